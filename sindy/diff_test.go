package sindy

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// grid returns n points on [a, b]. With warp > 0 the grid is non-uniform:
// t = a + (b−a)·(u + warp·sin(2πu)/(2π)) for uniform u, a smooth map whose
// step ratios vary by up to a factor (1+warp)/(1−warp) across the interval.
func grid(n int, a, b, warp float64) []float64 {
	t := make([]float64, n)
	for i := range t {
		u := float64(i) / float64(n-1)
		t[i] = a + (b-a)*(u+warp*math.Sin(2*math.Pi*u)/(2*math.Pi))
	}
	return t
}

func maxErr(t []float64, d Differentiator, f, df func(float64) float64, skip int) (float64, error) {
	x := make([]float64, len(t))
	for i, ti := range t {
		x[i] = f(ti)
	}
	dst := make([]float64, len(t))
	if err := d.Differentiate(dst, t, x); err != nil {
		return 0, err
	}
	var e float64
	for i := skip; i < len(t)-skip; i++ {
		e = max(e, math.Abs(dst[i]-df(t[i])))
	}
	return e, nil
}

// observedOrder halves the step several times and returns the observed
// order log2(e(h)/e(h/2)) of the finest pair (the asymptotic one).
func observedOrder(t *testing.T, d Differentiator, ns []int, jitter float64, f, df func(float64) float64, a, b float64) float64 {
	t.Helper()
	order := math.Inf(1)
	var prev float64
	for k, n := range ns {
		e, err := maxErr(grid(n, a, b, jitter), d, f, df, 0)
		if err != nil {
			t.Fatal(err)
		}
		if k > 0 {
			order = math.Log2(prev / e)
			t.Logf("n=%d err=%.3g order=%.2f", n, e, math.Log2(prev/e))
		}
		prev = e
	}
	return order
}

func TestDifferentiationOrder(t *testing.T) {
	f := func(t float64) float64 { return math.Sin(2*t) + 0.3*math.Exp(t/2) }
	df := func(t float64) float64 { return 2*math.Cos(2*t) + 0.15*math.Exp(t/2) }
	ns := []int{41, 81, 161, 321, 641}
	for _, tc := range []struct {
		name   string
		d      Differentiator
		jitter float64
		want   float64 // expected order; observed must be within [want−0.3, want+1.2]
		ns     []int   // grid sizes, when the default reaches round-off
	}{
		{"fd2 uniform", FiniteDifference{}, 0, 2, nil},
		{"fd2 nonuniform", FiniteDifference{Order: 2}, 0.5, 2, nil},
		{"fd4 nonuniform", FiniteDifference{Order: 4}, 0.5, 4, nil},
		{"fd3 uniform", FiniteDifference{Order: 3}, 0, 3, nil},
		{"fd6 uniform", FiniteDifference{Order: 6}, 0, 6, []int{21, 41, 81}},
		{"savgol p2", SavitzkyGolay{Window: 7, PolyOrder: 2}, 0, 2, nil},
		{"savgol p3 nonuniform", SavitzkyGolay{Window: 9, PolyOrder: 3}, 0.4, 3, nil},
		{"savgol p4", SavitzkyGolay{Window: 9, PolyOrder: 4}, 0, 4, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sizes := ns
			if tc.ns != nil {
				sizes = tc.ns
			}
			got := observedOrder(t, tc.d, sizes, tc.jitter, f, df, 0, 2)
			if got < tc.want-0.3 || got > tc.want+1.2 {
				t.Errorf("observed order %.2f, want %v", got, tc.want)
			}
		})
	}
}

func TestSplineOrder(t *testing.T) {
	// sin has zero second derivative at 0 and π, matching the natural
	// end conditions, so the interpolating spline's derivative converges
	// at third order up to the ends.
	got := observedOrder(t, SmoothingSpline{}, []int{21, 41, 81, 161}, 0.3, math.Sin, math.Cos, 0, math.Pi)
	if got < 2.7 || got > 4.2 {
		t.Errorf("interpolating spline: observed order %.2f, want 3", got)
	}
	// The smoothing spline with λ ∝ h⁴ keeps second order convergence.
	var prev float64
	for k, n := range []int{41, 81, 161} {
		tt := grid(n, 0, math.Pi, 0)
		h := tt[1]
		e, err := maxErr(tt, SmoothingSpline{Lambda: h * h * h * h}, math.Sin, math.Cos, 0)
		if err != nil {
			t.Fatal(err)
		}
		if k > 0 && math.Log2(prev/e) < 1.7 {
			t.Errorf("smoothing spline n=%d: order %.2f < 1.7", n, math.Log2(prev/e))
		}
		prev = e
	}
}

func TestSpectralExponential(t *testing.T) {
	// exp(sin t) is periodic and analytic: spectral accuracy.
	f := func(t float64) float64 { return math.Exp(math.Sin(t)) }
	df := func(t float64) float64 { return math.Cos(t) * math.Exp(math.Sin(t)) }
	for _, n := range []int{48, 49} {
		tt := make([]float64, n)
		for i := range tt {
			tt[i] = 2 * math.Pi * float64(i) / float64(n)
		}
		e, err := maxErr(tt, Spectral{}, f, df, 0)
		if err != nil {
			t.Fatal(err)
		}
		if e > 1e-11 {
			t.Errorf("n=%d: spectral error %.3g, want < 1e-11", n, e)
		}
	}
	tt := grid(50, 0, 1, 0.3)
	if _, err := maxErr(tt, Spectral{}, f, df, 0); !errors.Is(err, ErrNonUniform) {
		t.Errorf("non-uniform grid: error %v, want ErrNonUniform", err)
	}
}

func TestSpectralCutoffDenoises(t *testing.T) {
	n := 256
	tt := make([]float64, n)
	x := make([]float64, n)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range tt {
		tt[i] = 2 * math.Pi * float64(i) / float64(n)
		x[i] = math.Sin(3*tt[i]) + 1e-3*rng.NormFloat64()
	}
	full, cut := make([]float64, n), make([]float64, n)
	if err := (Spectral{}).Differentiate(full, tt, x); err != nil {
		t.Fatal(err)
	}
	if err := (Spectral{Cutoff: 0.1}).Differentiate(cut, tt, x); err != nil {
		t.Fatal(err)
	}
	var ef, ec float64
	for i := range tt {
		d := 3 * math.Cos(3*tt[i])
		ef = max(ef, math.Abs(full[i]-d))
		ec = max(ec, math.Abs(cut[i]-d))
	}
	if !(ec < ef/5) || ec > 0.02 {
		t.Errorf("cutoff error %.3g vs full %.3g: cutoff should remove most of the noise", ec, ef)
	}
}

func TestTotalVariationNoisyRamp(t *testing.T) {
	// x(t) = |t − 1|: derivative −1 then +1, a jump TV preserves.
	n := 201
	tt := grid(n, 0, 2, 0)
	rng := rand.New(rand.NewPCG(7, 8))
	x := make([]float64, n)
	for i, ti := range tt {
		x[i] = math.Abs(ti-1) + 0.01*rng.NormFloat64()
	}
	tv, fd := make([]float64, n), make([]float64, n)
	if err := (TotalVariation{Alpha: 0.05}).Differentiate(tv, tt, x); err != nil {
		t.Fatal(err)
	}
	if err := (FiniteDifference{}).Differentiate(fd, tt, x); err != nil {
		t.Fatal(err)
	}
	rms := func(d []float64) float64 {
		var s float64
		cnt := 0
		for i, ti := range tt {
			if math.Abs(ti-1) < 0.1 {
				continue // the jump itself
			}
			want := math.Copysign(1, ti-1)
			s += (d[i] - want) * (d[i] - want)
			cnt++
		}
		return math.Sqrt(s / float64(cnt))
	}
	etv, efd := rms(tv), rms(fd)
	t.Logf("rms derivative error: TV %.3g, FD %.3g", etv, efd)
	if etv > 0.05 || etv > efd/10 {
		t.Errorf("TV error %.3g (FD %.3g): want < 0.05 and 10× better than FD", etv, efd)
	}
}

func TestTotalVariationSmallAlphaIsFD(t *testing.T) {
	// With Alpha → 0 the result is the centred difference of the data, so
	// it converges at second order on smooth signals.
	got := observedOrder(t, TotalVariation{Alpha: 1e-14}, []int{41, 81, 161, 321}, 0, math.Sin, math.Cos, 0, 2)
	// Ends use one-sided first-order slopes.
	if got < 0.8 {
		t.Errorf("order %.2f", got)
	}
	e, err := maxErr(grid(161, 0, 2, 0), TotalVariation{Alpha: 1e-14}, math.Sin, math.Cos, 1)
	if err != nil {
		t.Fatal(err)
	}
	if h := 2.0 / 160; e > h*h {
		t.Errorf("interior error %.3g > h² = %.3g", e, h*h)
	}
}

func TestDifferentiatorErrors(t *testing.T) {
	tt := []float64{0, 1, 2}
	x := []float64{0, 1, 2}
	dst := make([]float64, 3)
	for _, tc := range []struct {
		name string
		d    Differentiator
		want error
	}{
		{"fd order", FiniteDifference{Order: -1}, ErrSettings},
		{"fd short", FiniteDifference{Order: 4}, ErrTooFewSamples},
		{"savgol even window", SavitzkyGolay{Window: 4, PolyOrder: 2}, ErrSettings},
		{"savgol order ≥ window", SavitzkyGolay{Window: 3, PolyOrder: 3}, ErrSettings},
		{"savgol short", SavitzkyGolay{Window: 5, PolyOrder: 2}, ErrTooFewSamples},
		{"spline lambda", SmoothingSpline{Lambda: -1}, ErrSettings},
		{"tv alpha", TotalVariation{Alpha: math.NaN()}, ErrSettings},
		{"spectral cutoff", Spectral{Cutoff: 2}, ErrSettings},
		{"spectral short", Spectral{}, ErrTooFewSamples},
	} {
		if err := tc.d.Differentiate(dst, tt, x); !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
	}
}
