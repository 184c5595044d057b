// The email link page: submit the form that opens the link at once, so
// opening the link is enough. Without script the button does the same.
const form = document.querySelector("form[data-email-link]");
if (form) {
  for (const b of form.querySelectorAll("button")) b.disabled = true;
  form.submit();
}
