package stats

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/uplift-dev/uplift/internal/puretest"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// TestRateCSClosedForm checks the cases the beta-binomial mixture solves
// by hand. With x = n, Λ(p) = B(1+n, 1)/p^n = 1/((n+1)p^n), so the lower
// end is (alpha/(n+1))^(1/n) and the upper end 1; x = 0 mirrors it.
func TestRateCSClosedForm(t *testing.T) {
	for _, n := range []int{1, 2, 10, 37, 1000} {
		for _, alpha := range []float64{0.05, 0.01, 0.2} {
			lo := math.Pow(alpha/float64(n+1), 1/float64(n))
			if got := RateCS(Counts{N: n, X: n}, alpha); !near(got.Lo, lo, 1e-9) || got.Hi != 1 {
				t.Errorf("RateCS(%d of %d, %v) = %+v; want [%v, 1]", n, n, alpha, got, lo)
			}
			if got := RateCS(Counts{N: n, X: 0}, alpha); got.Lo != 0 || !near(got.Hi, 1-lo, 1e-9) {
				t.Errorf("RateCS(0 of %d, %v) = %+v; want [0, %v]", n, alpha, got, 1-lo)
			}
		}
	}
	if got := RateCS(Counts{}, 0.05); got != (Interval{0, 1}) {
		t.Errorf("RateCS with no trials = %+v; want [0, 1]", got)
	}
}

// TestRateCSKnownValues compares with values computed separately, in
// Python from math.lgamma only, by scanning p on a grid of step 1/200000
// for where the mixture ratio crosses 1/alpha and refining each crossing
// by regula falsi (not by bisection, as the package does).
func TestRateCSKnownValues(t *testing.T) {
	for _, c := range []struct {
		x, n   int
		lo, hi float64
	}{
		{7, 20, 0.1034826964, 0.6728343686},
		{45, 100, 0.2985674992, 0.6080089333},
		{0, 10, 0, 0.4168802757},
		{10, 10, 0.5831197243, 1},
		{130, 400, 0.2489294831, 0.4078149572},
	} {
		got := RateCS(Counts{N: c.n, X: c.x}, 0.05)
		if !near(got.Lo, c.lo, 1e-8) || !near(got.Hi, c.hi, 1e-8) {
			t.Errorf("RateCS(%d of %d) = [%.10f, %.10f]; want [%.10f, %.10f]", c.x, c.n, got.Lo, got.Hi, c.lo, c.hi)
		}
	}
}

// TestDiffCSKnownValues compares with values computed separately in
// Python from the interval's formula, and with the same interval written
// as Howard et al.'s (2021) two-sided normal-mixture boundary: a sum S
// with intrinsic time V stays within sqrt((V+ρ)·log((V+ρ)/(alpha²ρ))),
// here with V = 1/s², ρ = 1/τ² and S = (θ̂−θ)·V.
func TestDiffCSKnownValues(t *testing.T) {
	for _, c := range []struct {
		a, b   Counts
		alpha  float64
		lo, hi float64
	}{
		{Counts{N: 100, X: 60}, Counts{N: 100, X: 30}, 0.05, 0.0832651223, 0.5167348777},
		{Counts{N: 50, X: 12}, Counts{N: 50, X: 15}, 0.05, -0.3732528280, 0.2532528280},
		{Counts{N: 1000, X: 300}, Counts{N: 1000, X: 250}, 0.05 / 6, -0.0228811952, 0.1228811952},
	} {
		got := DiffCS(c.a, c.b, c.alpha)
		if !near(got.Lo, c.lo, 1e-9) || !near(got.Hi, c.hi, 1e-9) {
			t.Errorf("DiffCS(%+v, %+v) = [%.10f, %.10f]; want [%.10f, %.10f]", c.a, c.b, got.Lo, got.Hi, c.lo, c.hi)
		}
		pa := (float64(c.a.X) + 1) / (float64(c.a.N) + 2)
		pb := (float64(c.b.X) + 1) / (float64(c.b.N) + 2)
		v := 1 / (pa*(1-pa)/float64(c.a.N) + pb*(1-pb)/float64(c.b.N))
		rho := 1 / Tau2
		bound := math.Sqrt((v + rho) * math.Log((v+rho)/(c.alpha*c.alpha*rho)))
		d := c.a.Rate() - c.b.Rate()
		if !near(got.Hi, d+bound/v, 1e-12) || !near(got.Lo, d-bound/v, 1e-12) {
			t.Errorf("DiffCS(%+v, %+v) = %+v; the normal-mixture boundary gives %v ± %v", c.a, c.b, got, d, bound/v)
		}
	}
	if got := DiffCS(Counts{N: 10, X: 3}, Counts{}, 0.05); got != (Interval{-1, 1}) {
		t.Errorf("DiffCS with an empty arm = %+v; want [-1, 1]", got)
	}
}

// TestRateCSHoldsUnderContinuousMonitoring looks at every trial of many
// simulated streams: the true rate leaves the sequence in at most alpha
// of them (plus Monte Carlo error), where the usual fixed-sample interval
// looked at as often is left far more often.
func TestRateCSHoldsUnderContinuousMonitoring(t *testing.T) {
	const runs, trials, p, alpha = 400, 300, 0.3, 0.05
	r := rand.New(rand.NewPCG(1, 2))
	csMissed, waldMissed := 0, 0
	for range runs {
		x, cs, wald := 0, false, false
		for n := 1; n <= trials; n++ {
			if r.Float64() < p {
				x++
			}
			c := Counts{N: n, X: x}
			if !cs && !RateCS(c, alpha).Contains(p) {
				cs = true
			}
			ph := c.Rate()
			if h := 1.96 * math.Sqrt(ph*(1-ph)/float64(n)); n >= 10 && !wald && math.Abs(ph-p) > h {
				wald = true
			}
		}
		if cs {
			csMissed++
		}
		if wald {
			waldMissed++
		}
	}
	if share := float64(csMissed) / runs; share > alpha+0.02 {
		t.Errorf("the true rate left the confidence sequence in %.3f of the runs; want at most %v", share, alpha)
	}
	if share := float64(waldMissed) / runs; share < 2*alpha {
		t.Errorf("the fixed-sample interval missed in only %.3f of the runs: the simulation shows nothing", share)
	}
}

// TestDiffCSHoldsUnderContinuousMonitoring: two arms with equal rates,
// looked at after every pair of trials; 0 leaves the difference's
// sequence in at most alpha of the runs.
func TestDiffCSHoldsUnderContinuousMonitoring(t *testing.T) {
	const runs, pairs, p, alpha = 400, 400, 0.3, 0.05
	r := rand.New(rand.NewPCG(3, 4))
	missed := 0
	for range runs {
		var a, b Counts
		for range pairs {
			a.N++
			b.N++
			if r.Float64() < p {
				a.X++
			}
			if r.Float64() < p {
				b.X++
			}
			if !DiffCS(a, b, alpha).Contains(0) {
				missed++
				break
			}
		}
	}
	if share := float64(missed) / runs; share > alpha+0.02 {
		t.Errorf("0 left the difference's confidence sequence in %.3f of the runs; want at most %v", share, alpha)
	}
}

func TestCompare(t *testing.T) {
	// A clear difference names the better arm, in either position.
	hi, lo := Counts{N: 200, X: 120}, Counts{N: 200, X: 60}
	if v := Compare([]Counts{lo, hi}, 0.05); v.Winner != 1 {
		t.Errorf("winner = %d; want 1", v.Winner)
	}
	if v := Compare([]Counts{hi, lo}, 0.05); v.Winner != 0 {
		t.Errorf("winner = %d; want 0", v.Winner)
	}
	// Equal rates: no difference yet.
	if v := Compare([]Counts{{N: 200, X: 80}, {N: 200, X: 82}}, 0.05); v.Winner != -1 {
		t.Errorf("winner = %d with equal rates; want -1", v.Winner)
	}
	// One arm better than one other but not than all: no winner.
	if v := Compare([]Counts{hi, lo, {N: 200, X: 118}}, 0.05); v.Winner != -1 {
		t.Errorf("winner = %d with two arms alike at the top; want -1", v.Winner)
	}
	// Bonferroni: a difference that wins alone at 0.05 does not with
	// four arms (six pairs).
	a, b := Counts{N: 100, X: 55}, Counts{N: 100, X: 30}
	if DiffCS(a, b, 0.05).Lo <= 0 || DiffCS(a, b, 0.05/6).Lo > 0 {
		t.Fatal("the example no longer sits between the two levels")
	}
	if v := Compare([]Counts{a, b}, 0.05); v.Winner != 0 {
		t.Errorf("two arms: winner = %d; want 0", v.Winner)
	}
	if v := Compare([]Counts{a, b, {N: 100, X: 10}, {N: 100, X: 10}}, 0.05); v.Winner != -1 {
		t.Errorf("four arms: winner = %d; want -1", v.Winner)
	}
	// Each arm carries its rate and sequence.
	v := Compare([]Counts{{N: 20, X: 7}, {}}, 0.05)
	if v.Arms[0].Rate != 0.35 || v.Arms[0].CS != RateCS(Counts{N: 20, X: 7}, 0.05) || v.Arms[1].CS != (Interval{0, 1}) {
		t.Errorf("arms = %+v", v.Arms)
	}
}

// TestPackageIsPure proves the statistics do no I/O: not even os.
func TestPackageIsPure(t *testing.T) {
	puretest.Check(t, "github.com/uplift-dev/uplift/internal/stats", nil, "os", "time", "math/rand", "math/rand/v2")
}
