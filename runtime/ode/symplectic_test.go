package ode

import (
	"math"
	"testing"
)

// symOscillator is the harmonic oscillator d²q/dt² = −ω²q as a Separable
// system: q' = p, p' = −ω²q. Exact: q = cos ωt, p = −ω sin ωt from (1, 0).
type symOscillator struct{ omega float64 }

func (o symOscillator) Dim() int { return 2 }
func (o symOscillator) Func(t float64, y, dy []float64) {
	o.Velocity(y[1:], dy[:1])
	o.Force(t, y[:1], dy[1:])
}
func (o symOscillator) Velocity(p, dq []float64)         { dq[0] = p[0] }
func (o symOscillator) Force(_ float64, q, dp []float64) { dp[0] = -o.omega * o.omega * q[0] }
func (o symOscillator) exact(t float64, y []float64) {
	y[0] = math.Cos(o.omega * t)
	y[1] = -o.omega * math.Sin(o.omega*t)
}

// symKepler is the two-body problem d²q/dt² = −q/|q|³ in the plane, as a
// Separable system with y = (q1, q2, p1, p2).
type symKepler struct{}

func (symKepler) Dim() int { return 4 }
func (k symKepler) Func(t float64, y, dy []float64) {
	k.Velocity(y[2:], dy[:2])
	k.Force(t, y[:2], dy[2:])
}
func (symKepler) Velocity(p, dq []float64) { dq[0], dq[1] = p[0], p[1] }
func (symKepler) Force(_ float64, q, dp []float64) {
	r2 := q[0]*q[0] + q[1]*q[1]
	r3 := r2 * math.Sqrt(r2)
	dp[0], dp[1] = -q[0]/r3, -q[1]/r3
}

// keplerStart is the perihelion state of the orbit of eccentricity e with
// semi-major axis 1 (period 2π).
func keplerStart(e float64) []float64 {
	return []float64{1 - e, 0, 0, math.Sqrt((1 + e) / (1 - e))}
}

// keplerExact solves Kepler's equation E − e·sin E = t by Newton's method
// and writes the exact state at t of the orbit started at keplerStart(e).
func keplerExact(e, t float64, y []float64) {
	E := t
	if e > 0.8 {
		E = math.Pi
	}
	for range 100 {
		dE := (E - e*math.Sin(E) - t) / (1 - e*math.Cos(E))
		E -= dE
		if math.Abs(dE) <= 1e-16*math.Max(1, math.Abs(E)) {
			break
		}
	}
	c, s := math.Cos(E), math.Sin(E)
	b := math.Sqrt(1 - e*e)
	den := 1 - e*c
	y[0], y[1] = c-e, b*s
	y[2], y[3] = -s/den, b*c/den
}

func keplerEnergy(y []float64) float64 {
	return 0.5*(y[2]*y[2]+y[3]*y[3]) - 1/math.Hypot(y[0], y[1])
}

func TestKeplerExactSolution(t *testing.T) {
	// the exact solution must solve the ODE: check it against a tight
	// adaptive solve of the plain system, independent of the symplectic code
	const e = 0.5
	y0 := keplerStart(e)
	got := make([]float64, 4)
	keplerExact(e, 0, got)
	if d := maxDiffSym(got, y0); d > 1e-15 {
		t.Fatalf("keplerExact(0) = %v, want %v", got, y0)
	}
	sol, err := Solve(symKepler{}, y0, []float64{0, 3}, &Options{Method: "adams", RTol: 1e-12, ATol: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	keplerExact(e, 3, got)
	if d := maxDiffSym(got, sol.Y[1]); d > 1e-8 {
		t.Fatalf("keplerExact(3) differs from an rtol 1e-12 solve by %g", d)
	}
}

func maxDiffSym(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

// fitOrder fits log(err) against log(h) by least squares.
func fitOrder(hs, errs []float64) float64 {
	var sx, sy, sxx, sxy float64
	for i := range hs {
		x, y := math.Log(hs[i]), math.Log(errs[i])
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	n := float64(len(hs))
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

func TestSymplecticConvergenceOrder(t *testing.T) {
	osc := symOscillator{omega: 2}
	cases := []struct {
		method string
		sys    Separable
		exact  func(float64, []float64)
		y0     []float64
		t1     float64
		n0     int // steps for the largest h; then 2n0, 4n0, 8n0
		order  float64
	}{
		{"leapfrog", osc, osc.exact, []float64{1, 0}, 5, 50, 2},
		{"yoshida4", osc, osc.exact, []float64{1, 0}, 5, 50, 4},
		{"leapfrog", symKepler{}, func(t float64, y []float64) { keplerExact(0.5, t, y) }, keplerStart(0.5), 7, 200, 2},
		{"yoshida4", symKepler{}, func(t float64, y []float64) { keplerExact(0.5, t, y) }, keplerStart(0.5), 7, 200, 4},
	}
	for _, c := range cases {
		exact := make([]float64, c.sys.Dim())
		c.exact(c.t1, exact)
		var hs, errs []float64
		for n := c.n0; n <= 8*c.n0; n *= 2 {
			h := c.t1 / float64(n)
			sol, err := Solve(c.sys, c.y0, []float64{0, c.t1}, &Options{Method: c.method, StepSize: h})
			if err != nil {
				t.Fatalf("%s: %v", c.method, err)
			}
			if sol.Stats.Accepted != n {
				t.Fatalf("%s h=%g: %d steps, want %d", c.method, h, sol.Stats.Accepted, n)
			}
			perStep := map[string]int{"leapfrog": 1, "yoshida4": 3}[c.method]
			if want := 1 + perStep*n; sol.Stats.NFE != want {
				t.Errorf("%s: NFE %d, want %d (Force calls)", c.method, sol.Stats.NFE, want)
			}
			hs, errs = append(hs, h), append(errs, maxDiffSym(sol.Y[1], exact))
		}
		p := fitOrder(hs, errs)
		t.Logf("%-8s %T errors %.3e … %.3e: order %.2f", c.method, c.sys, errs[0], errs[len(errs)-1], p)
		if math.Abs(p-c.order) > 0.2 {
			t.Errorf("%s on %T: measured order %.2f, want %g ± 0.2", c.method, c.sys, p, c.order)
		}
	}
}

// symForced is d²q/dt² = −q + sin 2t: a time-dependent force exercises the
// times at which the kicks evaluate it.
type symForced struct{}

func (symForced) Dim() int { return 2 }
func (f symForced) Func(t float64, y, dy []float64) {
	f.Velocity(y[1:], dy[:1])
	f.Force(t, y[:1], dy[1:])
}
func (symForced) Velocity(p, dq []float64)         { dq[0] = p[0] }
func (symForced) Force(t float64, q, dp []float64) { dp[0] = -q[0] + math.Sin(2*t) }

// symForcedExact: particular solution −sin(2t)/3, homogeneous part fitted
// to q(0) = 1, p(0) = 0: q = cos t + (2/3) sin t − sin(2t)/3.
func symForcedExact(t float64, y []float64) {
	y[0] = math.Cos(t) + 2.0/3*math.Sin(t) - math.Sin(2*t)/3
	y[1] = -math.Sin(t) + 2.0/3*math.Cos(t) - 2*math.Cos(2*t)/3
}

func TestSymplecticNonAutonomousOrder(t *testing.T) {
	const t1 = 6.0
	exact := make([]float64, 2)
	symForcedExact(t1, exact)
	for _, c := range []struct {
		method string
		order  float64
	}{{"leapfrog", 2}, {"yoshida4", 4}} {
		var hs, errs []float64
		for n := 60; n <= 480; n *= 2 {
			h := t1 / float64(n)
			sol, err := Solve(symForced{}, []float64{1, 0}, []float64{0, t1}, &Options{Method: c.method, StepSize: h})
			if err != nil {
				t.Fatal(err)
			}
			hs, errs = append(hs, h), append(errs, maxDiffSym(sol.Y[1], exact))
		}
		p := fitOrder(hs, errs)
		t.Logf("%-8s forced: errors %.3e … %.3e: order %.2f", c.method, errs[0], errs[len(errs)-1], p)
		if math.Abs(p-c.order) > 0.2 {
			t.Errorf("%s: order %.2f with a time-dependent force, want %g ± 0.2", c.method, p, c.order)
		}
	}
}

// keplerEnergyHistory integrates the Kepler orbit over chunks periods
// (each chunk `per` periods long, restarting the solver from the last
// state, which also exercises Solver reuse) and returns |H − H0| at the end
// of every chunk.
func keplerEnergyHistory(t *testing.T, method string, h float64, chunks, per int) []float64 {
	t.Helper()
	const e = 0.5
	y := keplerStart(e)
	h0 := keplerEnergy(y)
	s, err := NewSolver(symKepler{}, &Options{Method: method, StepSize: h, MaxSteps: -1})
	if err != nil {
		t.Fatal(err)
	}
	sol := new(Solution)
	dH := make([]float64, chunks)
	span := 2 * math.Pi * float64(per)
	for i := range dH {
		t0 := span * float64(i)
		if err := s.Solve(y, []float64{t0, t0 + span}, sol); err != nil {
			t.Fatal(err)
		}
		copy(y, sol.Y[1])
		dH[i] = math.Abs(keplerEnergy(y) - h0)
	}
	return dH
}

func maxOf(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}

// keplerEnvelope returns the largest |H − H0| over the steps of the first
// period: the energy error of a symplectic method oscillates with the
// position on the orbit (it follows a modified Hamiltonian), so this is its
// envelope at every later phase if there is no drift.
func keplerEnvelope(t *testing.T, method string, h float64) float64 {
	t.Helper()
	y0 := keplerStart(0.5)
	sol, err := Solve(symKepler{}, y0, []float64{0, 2 * math.Pi}, &Options{Method: method, StepSize: h, SaveSteps: true})
	if err != nil {
		t.Fatal(err)
	}
	env := 0.0
	for _, y := range sol.StepY {
		env = math.Max(env, math.Abs(keplerEnergy(y)-keplerEnergy(y0)))
	}
	return env
}

func TestSymplecticEnergyNoDrift(t *testing.T) {
	chunks, per := 100, 100 // 1e4 periods
	if testing.Short() {
		chunks = 20
	}
	const h = 2 * math.Pi / 200
	bounds := map[string]float64{}
	for _, c := range []struct {
		method string
		bound  float64 // C·h^order
	}{{"leapfrog", 10 * h * h}, {"yoshida4", 100 * h * h * h * h}} {
		env := keplerEnvelope(t, c.method, h)
		dH := keplerEnergyHistory(t, c.method, h, chunks, per)
		all := maxOf(dH)
		bounds[c.method] = all
		t.Logf("%-8s |ΔH| over the first period ≤ %.3e, at the ends of %d-period chunks up to %d periods ≤ %.3e",
			c.method, env, per, chunks*per, all)
		if env > c.bound {
			t.Errorf("%s: energy error %.3e exceeds the O(h^p) bound %.3e", c.method, env, c.bound)
		}
		if all > 1.2*env {
			t.Errorf("%s: energy error grows from %.3e (first period) to %.3e: drift", c.method, env, all)
		}
	}
	// rk4, a non-symplectic method of the same order (and 4/3 of
	// yoshida4's cost per step), drifts linearly in time.
	if _, err := Lookup("rk4"); err != nil {
		t.Fatal("rk4 is not registered: the drift comparison needs it")
	}
	dH := keplerEnergyHistory(t, "rk4", h, chunks, per)
	first, last := dH[0], dH[len(dH)-1]
	t.Logf("rk4      |ΔH| after %d periods %.3e, after %d periods %.3e", per, first, chunks*per, last)
	if last < 0.5*float64(chunks)*first {
		t.Errorf("rk4 energy error %.3e → %.3e does not drift linearly: the comparison is void", first, last)
	}
	if last < 100*bounds["yoshida4"] {
		t.Errorf("rk4 energy error %.3e not well above yoshida4's %.3e", last, bounds["yoshida4"])
	}
}

func TestSymplecticDenseOutput(t *testing.T) {
	// One step from the exact state: the dense error inside the step is the
	// Hermite interpolation error O(h⁴) plus the local error O(h^{p+1}),
	// so O(h³) for leapfrog and O(h⁴) for yoshida4.
	osc := symOscillator{omega: 1}
	for _, c := range []struct {
		method string
		order  float64
	}{{"leapfrog", 3}, {"yoshida4", 4}} {
		var hs, errs []float64
		for h := 0.1; h > 0.01; h /= 2 {
			sol, err := Solve(osc, []float64{1, 0}, []float64{0, h / 2, h}, &Options{Method: c.method, StepSize: h, Dense: true})
			if err != nil {
				t.Fatal(err)
			}
			got, want := make([]float64, 2), make([]float64, 2)
			if err := sol.Eval(0.3*h, got); err != nil {
				t.Fatal(err)
			}
			osc.exact(0.3*h, want)
			hs, errs = append(hs, h), append(errs, maxDiffSym(got, want))
			// the save at h/2 uses interp, which must equal Eval
			if err := sol.Eval(h/2, got); err != nil {
				t.Fatal(err)
			}
			if d := maxDiffSym(got, sol.Y[1]); d > 1e-15 {
				t.Errorf("%s: Eval(h/2) and the saved state differ by %g", c.method, d)
			}
		}
		p := fitOrder(hs, errs)
		t.Logf("%-8s local dense errors %.3e … %.3e: order %.2f", c.method, errs[0], errs[len(errs)-1], p)
		if math.Abs(p-c.order) > 0.2 {
			t.Errorf("%s: local dense error order %.2f, want %g ± 0.2", c.method, p, c.order)
		}
	}
	// Globally the dense output converges at the method's order.
	for _, c := range []struct {
		method string
		order  float64
	}{{"leapfrog", 2}, {"yoshida4", 4}} {
		var hs, errs []float64
		for n := 40; n <= 320; n *= 2 {
			h := 5.0 / float64(n)
			sol, err := Solve(osc, []float64{1, 0}, []float64{0, 5}, &Options{Method: c.method, StepSize: h, Dense: true})
			if err != nil {
				t.Fatal(err)
			}
			e := 0.0
			got, want := make([]float64, 2), make([]float64, 2)
			for i := range 97 {
				tt := 5 * float64(i) / 96
				if err := sol.Eval(tt, got); err != nil {
					t.Fatal(err)
				}
				osc.exact(tt, want)
				e = math.Max(e, maxDiffSym(got, want))
			}
			hs, errs = append(hs, h), append(errs, e)
		}
		p := fitOrder(hs, errs)
		t.Logf("%-8s global dense errors %.3e … %.3e: order %.2f", c.method, errs[0], errs[len(errs)-1], p)
		if math.Abs(p-c.order) > 0.2 {
			t.Errorf("%s: dense output order %.2f, want %g ± 0.2", c.method, p, c.order)
		}
	}
}

func TestSymplecticBackward(t *testing.T) {
	// Integrating back from the exact state at t=3 returns to the start.
	const e = 0.3
	y3 := make([]float64, 4)
	keplerExact(e, 3, y3)
	for _, m := range []string{"leapfrog", "yoshida4"} {
		sol, err := Solve(symKepler{}, y3, []float64{3, 1.5, 0}, &Options{Method: m, StepSize: 1e-3})
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float64, 4)
		keplerExact(e, 1.5, want)
		tol := map[string]float64{"leapfrog": 1e-5, "yoshida4": 1e-10}[m]
		if d := maxDiffSym(sol.Y[1], want); d > tol {
			t.Errorf("%s backward: error %g at t=1.5", m, d)
		}
		if d := maxDiffSym(sol.Y[2], keplerStart(e)); d > tol {
			t.Errorf("%s backward: error %g at t=0", m, d)
		}
	}
}

func TestSymplecticNeedsSeparable(t *testing.T) {
	plain := &Func{N: 2, F: func(_ float64, y, dy []float64) { dy[0], dy[1] = y[1], -y[0] }}
	for _, m := range []string{"leapfrog", "yoshida4"} {
		if _, err := NewSolver(plain, &Options{Method: m, StepSize: 0.1}); err == nil {
			t.Errorf("%s accepted a system without Velocity/Force", m)
		}
		if _, err := NewSolver(symKepler{}, &Options{Method: m}); err == nil {
			t.Errorf("%s accepted a solve without StepSize", m)
		}
		info, err := Lookup(m)
		if err != nil || !info.Fixed || !info.Separable {
			t.Errorf("%s: MethodInfo %+v, %v: want Fixed and Separable", m, info, err)
		}
	}
	// The plain adaptive methods still accept a Separable system through Func.
	if _, err := Solve(symKepler{}, keplerStart(0.1), []float64{0, 1}, &Options{Method: "adams"}); err != nil {
		t.Error(err)
	}
}

func TestSymplecticZeroAllocs(t *testing.T) {
	for _, m := range []string{"leapfrog", "yoshida4"} {
		for _, dense := range []bool{false, true} {
			s, err := NewSolver(symKepler{}, &Options{Method: m, StepSize: 1e-3, Dense: dense})
			if err != nil {
				t.Fatal(err)
			}
			sol := new(Solution)
			y0 := keplerStart(0.5)
			long := []float64{0, 1, 2, 5}
			if err := s.Solve(y0, long, sol); err != nil {
				t.Fatal(err)
			}
			for _, ts := range [][]float64{{0, 0.5}, long} {
				allocs := testing.AllocsPerRun(3, func() {
					if err := s.Solve(y0, ts, sol); err != nil {
						t.Fatal(err)
					}
				})
				if allocs != 0 {
					t.Errorf("%s (dense %v, %d steps): %v allocations per solve, want 0", m, dense, sol.Stats.Accepted, allocs)
				}
			}
		}
	}
}

// BenchmarkKeplerPeriod integrates one Kepler period (e = 0.5) with 1000
// steps: ns/op divided by 1000 is the cost of a step.
func BenchmarkKeplerPeriod(b *testing.B) {
	for _, m := range []string{"leapfrog", "yoshida4", "rk4"} {
		b.Run(m, func(b *testing.B) {
			s, err := NewSolver(symKepler{}, &Options{Method: m, StepSize: 2 * math.Pi / 1000})
			if err != nil {
				b.Skip(err)
			}
			sol := new(Solution)
			y0 := keplerStart(0.5)
			ts := []float64{0, 2 * math.Pi}
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Solve(y0, ts, sol); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(sol.Stats.NFE), "nfe/op")
		})
	}
}

func TestSymplecticEvents(t *testing.T) {
	// q = cos t crosses zero at π/2 + jπ; located on the Hermite output.
	for _, c := range []struct {
		method string
		tol    float64
	}{{"leapfrog", 1e-4}, {"yoshida4", 1e-8}} {
		sol, err := Solve(symOscillator{omega: 1}, []float64{1, 0}, []float64{0, 10}, &Options{
			Method: c.method, StepSize: 0.01,
			Events: []Event{{Func: func(_ float64, y []float64) float64 { return y[0] }, Direction: -1}},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []float64{math.Pi / 2, 5 * math.Pi / 2} // falling crossings only
		if len(sol.Events) != len(want) {
			t.Fatalf("%s: %d events, want %d", c.method, len(sol.Events), len(want))
		}
		for i, ev := range sol.Events {
			if math.Abs(ev.T-want[i]) > c.tol {
				t.Errorf("%s: event at t=%.10f, want %.10f", c.method, ev.T, want[i])
			}
		}
	}
}
