package server

// BrowserPatterns returns the patterns of the routes s's browser mux
// serves, in the order they were registered through its surfaces.
func BrowserPatterns(s *Server) []string { return s.browserRoutes().patterns }

// APIPath reports whether the server sends a request for path to the API
// mux.
func APIPath(path string) bool { return apiPath(path) }
