// Package stats holds the statistics of experiments on the uplift prompt:
// confidence sequences for acceptance rates and for the difference of two
// of them. A confidence sequence covers the true value at every sample
// size at once with the stated probability, so the figures stay valid
// however often they are looked at and whenever the experiment is
// stopped; a fixed-sample confidence interval read every day does not.
//
// The package is pure: no I/O, no clock, no randomness.
package stats

import (
	"math"
)

// Interval is a closed interval [Lo, Hi].
type Interval struct {
	Lo, Hi float64
}

// Contains reports whether v lies in the interval.
func (i Interval) Contains(v float64) bool { return i.Lo <= v && v <= i.Hi }

// Counts are the trials and successes of one arm: prompts (or users)
// shown and those that accepted.
type Counts struct {
	N, X int
}

// Rate is X/N, 0 when N is 0.
func (c Counts) Rate() float64 {
	if c.N <= 0 {
		return 0
	}
	return float64(c.X) / float64(c.N)
}

// valid reports whether the counts make sense: 0 <= X <= N.
func (c Counts) valid() bool { return c.N >= 0 && c.X >= 0 && c.X <= c.N }

// RateCS is the confidence sequence of level 1-alpha for a success rate
// p after x successes in n Bernoulli trials: the set of p whose
// beta-binomial mixture likelihood ratio
//
//	Λ_n(p) = B(1+x, 1+n-x) / (p^x (1-p)^(n-x))
//
// (the likelihood of the data averaged over a uniform prior on the rate,
// against the likelihood at p) is below 1/alpha. Λ_n(p) is a
// nonnegative martingale with mean 1 under p, so by Ville's inequality
// the true rate leaves the set at some n with probability at most alpha:
// the method of mixtures of H. Robbins, "Statistical methods related to
// the law of the iterated logarithm", Annals of Mathematical Statistics
// 41 (1970), 1397–1409, in the form of S. R. Howard, A. Ramdas,
// J. McAuliffe and J. Sekhon, "Time-uniform, nonparametric, nonasymptotic
// confidence sequences", Annals of Statistics 49 (2021), 1055–1080
// (the beta-binomial mixture). It is exact: no normal approximation, and
// it holds for small n and rates near 0 or 1.
func RateCS(c Counts, alpha float64) Interval {
	if !c.valid() || c.N == 0 || !(alpha > 0 && alpha < 1) {
		return Interval{0, 1}
	}
	n, x := float64(c.N), float64(c.X)
	lb := lbeta(1+x, 1+n-x)
	limit := math.Log(1 / alpha)
	logLR := func(p float64) float64 {
		return lb - xlogy(x, p) - xlogy(n-x, 1-p)
	}
	pHat := x / n
	out := Interval{0, 1}
	// log Λ is convex in p with its minimum (at most 0) at x/n, so each
	// side crosses the limit once at most.
	if c.X > 0 {
		out.Lo = bisect(logLR, limit, 0, pHat)
	}
	if c.X < c.N {
		out.Hi = bisect(logLR, limit, 1, pHat)
	}
	return out
}

// bisect finds where f, above limit at out and below it at in, crosses
// it, returning the point nearest out that is still below the limit
// within 1e-12.
func bisect(f func(float64) float64, limit, out, in float64) float64 {
	for range 200 {
		mid := (out + in) / 2
		if f(mid) >= limit {
			out = mid
		} else {
			in = mid
		}
		if math.Abs(out-in) < 1e-12 {
			break
		}
	}
	return in
}

// lbeta is log B(a, b).
func lbeta(a, b float64) float64 {
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	return la + lb - lab
}

// xlogy is x·log(y), 0 when x is 0.
func xlogy(x, y float64) float64 {
	if x == 0 {
		return 0
	}
	return x * math.Log(y)
}

// Tau2 is the variance of the normal mixing distribution of DiffCS: the
// effects it is most sensitive to are differences of rates near its
// square root, 0.1 (ten percentage points).
const Tau2 = 0.01

// DiffCS is the confidence sequence of level 1-alpha for the difference
// of two rates, rate(a) − rate(b): the always-valid confidence interval
// of the mixture sequential probability ratio test (mSPRT) of R. Johari,
// P. Koomen, L. Pekelis and D. Walsh, "Always Valid Inference: Continuous
// Monitoring of A/B Tests", Operations Research 70(3) (2022), 1806–1821,
// for two streams of Bernoulli trials, with the normal approximation and
// plug-in variance they use for binary data. With θ̂ the observed
// difference, s² its variance and τ² the mixing variance, the mSPRT's
// statistic against a difference θ is
//
//	Λ(θ) = sqrt(s²/(s²+τ²)) · exp(τ²(θ̂−θ)² / (2s²(s²+τ²)))
//
// and the interval is the θ for which Λ(θ) < 1/alpha:
//
//	θ̂ ± sqrt( s²(s²+τ²)/τ² · (2 log(1/alpha) + log((s²+τ²)/s²)) ).
//
// (This is also the two-sided normal-mixture boundary of Howard et al.
// 2021, see RateCS, in the time s⁻².) The plug-in variance uses each
// arm's rate with one success and one failure added, (x+1)/(n+2), so it
// is never 0. The interval is asymptotic: its guarantee holds as the
// arms grow, and an arm without trials gives [−1, 1].
func DiffCS(a, b Counts, alpha float64) Interval {
	if !a.valid() || !b.valid() || a.N == 0 || b.N == 0 || !(alpha > 0 && alpha < 1) {
		return Interval{-1, 1}
	}
	s2 := smoothedVar(a) + smoothedVar(b)
	d := a.Rate() - b.Rate()
	h := math.Sqrt(s2 * (s2 + Tau2) / Tau2 * (2*math.Log(1/alpha) + math.Log((s2+Tau2)/s2)))
	return Interval{math.Max(d-h, -1), math.Min(d+h, 1)}
}

// smoothedVar is the variance of an arm's observed rate, p(1-p)/n, with
// p = (x+1)/(n+2).
func smoothedVar(c Counts) float64 {
	p := (float64(c.X) + 1) / (float64(c.N) + 2)
	return p * (1 - p) / float64(c.N)
}

// Arm is one variant's figures.
type Arm struct {
	Counts
	// Rate is the observed rate and CS its confidence sequence at the
	// level asked.
	Rate float64
	CS   Interval
}

// Verdict is the outcome of comparing two to four arms.
type Verdict struct {
	Arms []Arm
	// Winner is the index of the arm whose rate is higher than every
	// other's at the level asked, or -1 while there is no such arm
	// ("no difference yet").
	Winner int
}

// Compare compares arms at level 1-alpha. An arm wins when, against each
// of the others, the confidence sequence of the difference lies above 0.
// With k arms there are k(k−1)/2 pairs, and each difference is taken at
// level 1 − alpha/(k(k−1)/2) (Bonferroni), so the chance of naming a
// winner when all rates are equal stays below alpha, at every look.
func Compare(arms []Counts, alpha float64) Verdict {
	v := Verdict{Winner: -1, Arms: make([]Arm, len(arms))}
	for i, c := range arms {
		v.Arms[i] = Arm{Counts: c, Rate: c.Rate(), CS: RateCS(c, alpha)}
	}
	k := len(arms)
	if k < 2 {
		return v
	}
	pairAlpha := alpha / float64(k*(k-1)/2)
	for i := range arms {
		wins := true
		for j := range arms {
			if j != i && DiffCS(arms[i], arms[j], pairAlpha).Lo <= 0 {
				wins = false
				break
			}
		}
		if wins {
			v.Winner = i
			break
		}
	}
	return v
}
