package cnf

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"

	"github.com/nodekit/nodekit/runtime/adjoint"
	"github.com/nodekit/nodekit/runtime/nn"
	"github.com/nodekit/nodekit/runtime/ode"
)

func tinyFlow(t *testing.T, cfg Config) *Flow {
	t.Helper()
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func randVec(rng interface{ NormFloat64() float64 }, n int, s float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = s * rng.NormFloat64()
	}
	return v
}

// TestFieldVJP checks the augmented system's VJP, trace term included,
// against central differences of aᵀF(t, y; θ) in y and θ, in both trace
// modes, and that FuncVJP returns what Func and VJP return separately.
func TestFieldVJP(t *testing.T) {
	for _, mode := range []TraceMode{Hutchinson, Exact} {
		t.Run(mode.String(), func(t *testing.T) {
			flow := tinyFlow(t, Config{Dim: 3, Hidden: []int{5, 4}, Seed: 3})
			const b = 2
			fld := NewField(flow.Net(), b, mode)
			rng := nn.NewRNG(11)
			if eps := fld.Probe(); eps != nil {
				copy(eps, randVec(rng, len(eps), 1))
			}
			n := fld.Dim()
			y := randVec(rng, n, 0.8)
			a := randVec(rng, n, 1)
			const tt = 0.37
			ay := make([]float64, n)
			ap := make([]float64, len(fld.Params()))
			fld.VJP(tt, y, a, ay, ap)

			dy := make([]float64, n)
			adot := func(yy []float64) float64 {
				fld.Func(tt, yy, dy)
				return mat.Dot(mat.NewVecDense(n, a), mat.NewVecDense(n, dy))
			}
			wantY := fd.Gradient(nil, adot, y, &fd.Settings{Formula: fd.Central, Step: 1e-6})
			p := fld.Params()
			p0 := append([]float64(nil), p...)
			wantP := fd.Gradient(nil, func(q []float64) float64 {
				copy(p, q)
				v := adot(y)
				copy(p, p0)
				return v
			}, p0, &fd.Settings{Formula: fd.Central, Step: 1e-6})
			for i := range ay {
				if math.Abs(ay[i]-wantY[i]) > 1e-7*(1+math.Abs(wantY[i])) {
					t.Errorf("ay[%d] = %.10g, finite differences %.10g", i, ay[i], wantY[i])
				}
			}
			for i := range ap {
				if math.Abs(ap[i]-wantP[i]) > 1e-7*(1+math.Abs(wantP[i])) {
					t.Errorf("ap[%d] = %.10g, finite differences %.10g", i, ap[i], wantP[i])
				}
			}

			dy2, ay2, ap2 := make([]float64, n), make([]float64, n), make([]float64, len(ap))
			fld.FuncVJP(tt, y, a, dy2, ay2, ap2)
			fld.Func(tt, y, dy)
			for i := range dy {
				if dy2[i] != dy[i] || ay2[i] != ay[i] {
					t.Fatalf("FuncVJP differs from Func/VJP at %d: dy %v vs %v, ay %v vs %v", i, dy2[i], dy[i], ay2[i], ay[i])
				}
			}
			for i := range ap {
				if ap2[i] != ap[i] {
					t.Fatalf("FuncVJP ap[%d] = %v, VJP %v", i, ap2[i], ap[i])
				}
			}
		})
	}
}

// TestExactTrace checks that the Exact mode's dΔ/dt is minus the trace of
// the finite-difference Jacobian of f, per sample.
func TestExactTrace(t *testing.T) {
	flow := tinyFlow(t, Config{Dim: 3, Hidden: []int{6}, Seed: 5})
	const b, d = 4, 3
	fld := NewField(flow.Net(), b, Exact)
	rng := nn.NewRNG(2)
	y := randVec(rng, fld.Dim(), 1)
	dy := make([]float64, fld.Dim())
	fld.Func(0.2, y, dy)
	zf := &zField{net: flow.Net(), d: d, b: 1}
	out := make([]float64, d)
	for r := range b {
		jac := mat.NewDense(d, d, nil)
		fd.Jacobian(jac, func(o, z []float64) { zf.Func(0.2, z, out); copy(o, out) }, y[r*d:(r+1)*d], &fd.JacobianSettings{Formula: fd.Central})
		tr := mat.Trace(jac)
		if got := -dy[b*d+r]; math.Abs(got-tr) > 1e-7 {
			t.Errorf("sample %d: trace %.10g, finite-difference Jacobian %.10g", r, got, tr)
		}
	}
}

// TestLinearFlow solves the augmented system of the affine field
// f(z) = Wz + c, whose flow is known in closed form: z(T) = e^{WT}x +
// W⁻¹(e^{WT} − I)c and Δ(T) = −T·tr W.
func TestLinearFlow(t *testing.T) {
	ti := nn.NewTimeInput(2, 1)
	dense := nn.NewDense(3, 2, nil)
	net := nn.NewSequential(ti, dense)
	W := []float64{-0.3, 0.8, -0.5, 0.4}
	c := []float64{0.2, -0.1}
	copy(dense.W, []float64{W[0], W[1], 0, W[2], W[3], 0}) // no time dependence
	copy(dense.B, c)
	const T = 1.3
	x := []float64{0.7, -1.1, 2, 0.3}
	for _, mode := range []TraceMode{Exact, Hutchinson} {
		fld := NewField(net, 2, mode)
		if eps := fld.Probe(); eps != nil {
			copy(eps, []float64{1, -1, -1, -1})
		}
		sol, err := ode.Solve(fld, append(append([]float64(nil), x...), 0, 0), []float64{0, T}, &ode.Options{RTol: 1e-11, ATol: 1e-12})
		if err != nil {
			t.Fatal(err)
		}
		var e mat.Dense
		wm := mat.NewDense(2, 2, W)
		var wt mat.Dense
		wt.Scale(T, wm)
		e.Exp(&wt)
		var em mat.Dense
		em.Sub(&e, mat.NewDense(2, 2, []float64{1, 0, 0, 1}))
		var winv mat.Dense
		if err := winv.Inverse(wm); err != nil {
			t.Fatal(err)
		}
		var shift mat.VecDense
		var tmp mat.Dense
		tmp.Mul(&winv, &em)
		shift.MulVec(&tmp, mat.NewVecDense(2, c))
		y := sol.Y[1]
		for r := range 2 {
			var z mat.VecDense
			z.MulVec(&e, mat.NewVecDense(2, x[2*r:2*r+2]))
			z.AddVec(&z, &shift)
			for j := range 2 {
				if math.Abs(y[2*r+j]-z.AtVec(j)) > 1e-9 {
					t.Errorf("%v: z_%d(T)[%d] = %.12g, want %.12g", mode, r, j, y[2*r+j], z.AtVec(j))
				}
			}
			want := -T * (W[0] + W[3])
			// A Rademacher probe gives the exact trace of a constant
			// Jacobian only in expectation: εᵀWε = tr W + off-diagonal terms.
			if mode == Hutchinson {
				eps := fld.Probe()[2*r : 2*r+2]
				want = -T * (W[0] + W[3] + eps[0]*eps[1]*(W[1]+W[2]))
			}
			if math.Abs(y[4+r]-want) > 1e-9 {
				t.Errorf("%v: Δ_%d(T) = %.12g, want %.12g", mode, r, y[4+r], want)
			}
		}
	}
}

// TestDensityIntegratesToOne integrates the exact-trace density of an
// untrained flow over a grid that holds its mass and checks that the
// flow really moves the base density.
func TestDensityIntegratesToOne(t *testing.T) {
	flow := tinyFlow(t, Config{Hidden: []int{16, 16}, Trace: Exact, Seed: 4, RTol: 1e-7, ATol: 1e-8})
	// Sharpen the field so the density differs clearly from N(0, I).
	for i := range flow.Params() {
		flow.Params()[i] *= 1.5
	}
	const m, L = 90, 7.0
	h := 2 * L / m
	grid := make([]float64, 0, 2*m*m)
	for i := range m {
		for j := range m {
			grid = append(grid, -L+(float64(i)+0.5)*h, -L+(float64(j)+0.5)*h)
		}
	}
	lp := make([]float64, m*m)
	if err := flow.LogProb(grid, m*m, lp); err != nil {
		t.Fatal(err)
	}
	mass, maxDiff := 0.0, 0.0
	for r, v := range lp {
		mass += math.Exp(v) * h * h
		maxDiff = max(maxDiff, math.Abs(v-logNormal(grid[2*r:2*r+2])))
	}
	t.Logf("mass %.5f, max |log p − log N| = %.3f", mass, maxDiff)
	if math.Abs(mass-1) > 5e-3 {
		t.Errorf("density integrates to %.5f over [−%g, %g]², want 1", mass, L, L)
	}
	if maxDiff < 0.3 {
		t.Errorf("the flow barely moves the base density (max |Δ log p| = %.3f); the test would not see a wrong trace", maxDiff)
	}
}

// TestHutchinsonUnbiased compares the Hutchinson log-likelihood and its
// gradient, averaged over many probes, with the exact-trace values.
func TestHutchinsonUnbiased(t *testing.T) {
	for _, noise := range []Noise{Rademacher, Gaussian} {
		flow := tinyFlow(t, Config{Hidden: []int{12, 12}, Seed: 8, Noise: noise, RTol: 1e-7, ATol: 1e-8})
		for i := range flow.Params() {
			flow.Params()[i] *= 1.5
		}
		pts := []float64{0.5, -1, -1.5, 0.3}
		const reps = 2000
		x := make([]float64, 0, 2*2*reps)
		for range reps {
			x = append(x, pts...)
		}
		n := 2 * reps
		lp := make([]float64, n)
		exact := make([]float64, 2)
		flow.Trace = Exact
		if err := flow.LogProb(pts, 2, exact); err != nil {
			t.Fatal(err)
		}
		flow.Trace = Hutchinson
		if err := flow.LogProb(x, n, lp); err != nil {
			t.Fatal(err)
		}
		for k := range 2 {
			var s, s2 float64
			for r := k; r < n; r += 2 {
				s += lp[r]
				s2 += lp[r] * lp[r]
			}
			mean := s / reps
			se := math.Sqrt((s2/reps - mean*mean) / reps)
			t.Logf("noise %d point %d: Hutchinson %.5f ± %.5f, exact %.5f", noise, k, mean, se, exact[k])
			if se == 0 || math.Abs(mean-exact[k]) > 4*se {
				t.Errorf("noise %d point %d: Hutchinson mean %.5f ± %.5f, exact %.5f", noise, k, mean, se, exact[k])
			}
		}
		// Gradients: the mean over the replicated batch against exact.
		gh := make([]float64, len(flow.Params()))
		ge := make([]float64, len(flow.Params()))
		if _, err := flow.NLL(x, n, gh); err != nil {
			t.Fatal(err)
		}
		flow.Trace = Exact
		if _, err := flow.NLL(pts, 2, ge); err != nil {
			t.Fatal(err)
		}
		var num, den float64
		for i := range gh {
			num += (gh[i] - ge[i]) * (gh[i] - ge[i])
			den += ge[i] * ge[i]
		}
		rel := math.Sqrt(num / den)
		t.Logf("noise %d: relative gradient difference %.4f", noise, rel)
		if rel > 0.05 {
			t.Errorf("noise %d: Hutchinson gradient differs from exact by %.3f (relative)", noise, rel)
		}
	}
}

// TestNLLGradient checks NLL's adjoint gradient against central
// differences of the negative mean log-likelihood, for the exact trace
// and for the Hutchinson trace with the same probes, with the backsolve
// and the checkpointed adjoint.
func TestNLLGradient(t *testing.T) {
	x := []float64{0.4, -0.9, -1.2, 0.6, 2.1, 1.4}
	for _, mode := range []TraceMode{Exact, Hutchinson} {
		for _, meth := range []adjoint.Method{adjoint.Backsolve, adjoint.Checkpoint, adjoint.Discrete} {
			flow := tinyFlow(t, Config{Hidden: []int{4, 4}, Seed: 9, Trace: mode, Adjoint: meth, RTol: 1e-10, ATol: 1e-10})
			p := flow.Params()
			for i := range p {
				p[i] *= 1.3
			}
			grad := make([]float64, len(p))
			flow.rng = nn.NewRNG(77)
			if _, err := flow.NLL(x, 3, grad); err != nil {
				t.Fatal(err)
			}
			lp := make([]float64, 3)
			nll := func(q []float64) float64 {
				copy(p, q)
				flow.rng = nn.NewRNG(77) // the same probes as NLL drew
				if err := flow.LogProb(x, 3, lp); err != nil {
					t.Fatal(err)
				}
				return -(lp[0] + lp[1] + lp[2]) / 3
			}
			p0 := append([]float64(nil), p...)
			want := fd.Gradient(nil, nll, p0, &fd.Settings{Formula: fd.Central, Step: 1e-5})
			copy(p, p0)
			for i := range grad {
				if math.Abs(grad[i]-want[i]) > 2e-6*(1+math.Abs(want[i])) {
					t.Errorf("%v/%v: dNLL/dθ[%d] = %.9g, finite differences %.9g", mode, meth, i, grad[i], want[i])
				}
			}
		}
	}
}

func meanLogProb(t *testing.T, f *Flow, x []float64, n int) float64 {
	t.Helper()
	lp := make([]float64, n)
	if err := f.LogProb(x, n, lp); err != nil {
		t.Fatal(err)
	}
	s := 0.0
	for _, v := range lp {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("non-finite log-likelihood %v", v)
		}
		s += v
	}
	return s / float64(n)
}

// TestTrainEightGaussians trains a small flow for a short while on
// 8gaussians (Hutchinson trace, backsolve adjoint) and checks the
// held-out log-likelihood (exact trace) and the moments of samples.
func TestTrainEightGaussians(t *testing.T) {
	flow := tinyFlow(t, Config{Hidden: []int{32, 32}, Seed: 1})
	rng := nn.NewRNG(7)
	const nTest, batch, iters = 1000, 128, 150
	test := make([]float64, 2*nTest)
	if err := Toy("8gaussians", nTest, rng, test); err != nil {
		t.Fatal(err)
	}
	heldOut := func() float64 {
		flow.Trace = Exact
		defer func() { flow.Trace = Hutchinson }()
		return meanLogProb(t, flow, test, nTest)
	}
	before := heldOut()
	opt := nn.NewAdam(1e-2)
	grad := make([]float64, len(flow.Params()))
	x := make([]float64, 2*batch)
	for it := range iters {
		if err := Toy("8gaussians", batch, rng, x); err != nil {
			t.Fatal(err)
		}
		if _, err := flow.NLL(x, batch, grad); err != nil {
			t.Fatalf("iteration %d: %v", it, err)
		}
		opt.Step(flow.Params(), grad)
	}
	after := heldOut()
	t.Logf("held-out mean log-likelihood: untrained %.4f, after %d iterations %.4f (optimum ≈ −2.84)", before, iters, after)
	if !(after > before+2.5) {
		t.Errorf("held-out log-likelihood %.4f after training, %.4f before: want an improvement of at least 2.5 nats", after, before)
	}

	// Samples: 8gaussians has mean 0 and covariance ≈ 4.13·I.
	const ns = 4000
	s := make([]float64, 2*ns)
	if err := flow.SampleNormal(nn.NewRNG(3), ns, s); err != nil {
		t.Fatal(err)
	}
	var m [2]float64
	var c [3]float64
	for r := range ns {
		m[0] += s[2*r] / ns
		m[1] += s[2*r+1] / ns
	}
	for r := range ns {
		a, b := s[2*r]-m[0], s[2*r+1]-m[1]
		c[0] += a * a / ns
		c[1] += a * b / ns
		c[2] += b * b / ns
	}
	v := (0.25 + 8) / (1.414 * 1.414)
	t.Logf("samples: mean %.3f %.3f, covariance %.3f %.3f %.3f (data: 0, 0, %.3f 0 %.3f)", m[0], m[1], c[0], c[1], c[2], v, v)
	if math.Abs(m[0]) > 0.3 || math.Abs(m[1]) > 0.3 || math.Abs(c[1]) > 0.5 ||
		math.Abs(c[0]-v) > 0.25*v || math.Abs(c[2]-v) > 0.25*v {
		t.Errorf("sample moments mean (%.3f, %.3f), covariance (%.3f, %.3f, %.3f) are far from the data's (0, 0), (%.3f, 0, %.3f)", m[0], m[1], c[0], c[1], c[2], v, v)
	}
}

// TestSampleInvertsFlow checks that Sample (T → 0) inverts the forward
// flow (0 → T).
func TestSampleInvertsFlow(t *testing.T) {
	flow := tinyFlow(t, Config{Hidden: []int{8}, Seed: 2, RTol: 1e-9, ATol: 1e-10})
	x := []float64{0.3, -0.7, 1.5, 2.2}
	s, err := flow.state(2)
	if err != nil {
		t.Fatal(err)
	}
	copy(s.y0, x)
	clear(s.y0[4:])
	if err := s.sol.Solve(s.y0, flow.ts, &s.out); err != nil {
		t.Fatal(err)
	}
	back := make([]float64, 4)
	if err := flow.Sample(s.out.Y[1][:4], 2, back); err != nil {
		t.Fatal(err)
	}
	for i := range x {
		if math.Abs(back[i]-x[i]) > 1e-7 {
			t.Errorf("Sample(flow(x))[%d] = %.10g, want %.10g", i, back[i], x[i])
		}
	}
}

func TestErrors(t *testing.T) {
	for _, cfg := range []Config{{Dim: -1}, {T: -1}, {T: math.Inf(1)}, {Hidden: []int{4, 0}}, {Trace: 7}, {Noise: 3}, {RTol: -1}, {Method: "nope"}} {
		if _, err := New(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("New(%+v): error %v, want ErrConfig", cfg, err)
		}
	}
	f := tinyFlow(t, Config{Hidden: []int{4}})
	lp := make([]float64, 2)
	if err := f.LogProb([]float64{1, 2, 3}, 2, lp); !errors.Is(err, ErrShape) {
		t.Errorf("short data: %v, want ErrShape", err)
	}
	if err := f.LogProb([]float64{1, math.NaN(), 3, 4}, 2, lp); !errors.Is(err, ErrShape) {
		t.Errorf("NaN data: %v, want ErrShape", err)
	}
	if err := f.Sample([]float64{1, 2}, 0, lp); !errors.Is(err, ErrShape) {
		t.Errorf("zero samples: %v, want ErrShape", err)
	}
	if err := Toy("spirals", 3, nn.NewRNG(1), make([]float64, 6)); !errors.Is(err, ErrUnknownToy) {
		t.Errorf("unknown toy: %v", err)
	}
	// A solve that cannot finish returns ErrSolve, never NaNs.
	f = tinyFlow(t, Config{Hidden: []int{4}, MaxSteps: 2, RTol: 1e-12, ATol: 1e-12})
	for i := range f.Params() {
		f.Params()[i] *= 20
	}
	g := make([]float64, len(f.Params()))
	if _, err := f.NLL([]float64{1, 2, 3, 4}, 2, g); !errors.Is(err, ErrSolve) {
		t.Errorf("NLL with MaxSteps 2: %v, want ErrSolve", err)
	}
	if err := f.LogProb([]float64{1, 2, 3, 4}, 2, lp); !errors.Is(err, ErrSolve) {
		t.Errorf("LogProb with MaxSteps 2: %v, want ErrSolve", err)
	}
}

// TestToyMoments checks each data set against its known mean and spread.
func TestToyMoments(t *testing.T) {
	const n = 20000
	x := make([]float64, 2*n)
	want := map[string][2]float64{ // mean radius² and mean x
		"8gaussians":   {(16 + 0.5) / (1.414 * 1.414), 0},
		"circles":      {9 * ((1+0.25)/2 + 2*0.0064), 0},
		"checkerboard": {4 * (16.0/12 + 4.0/3), 0}, // x1 ~ U(−2, 2); x2 ~ U over a 4-unit span in 1-unit cells
	}
	for _, name := range ToyNames {
		if err := Toy(name, n, nn.NewRNG(5), x); err != nil {
			t.Fatal(err)
		}
		var r2, mx float64
		for r := range n {
			r2 += (x[2*r]*x[2*r] + x[2*r+1]*x[2*r+1]) / n
			mx += x[2*r] / n
		}
		t.Logf("%s: E|x|² = %.3f, E x₁ = %.3f", name, r2, mx)
		if w, ok := want[name]; ok {
			if math.Abs(r2-w[0]) > 0.03*w[0] || math.Abs(mx-w[1]) > 0.05 {
				t.Errorf("%s: E|x|² = %.3f, E x₁ = %.3f; want %.3f, %.3f", name, r2, mx, w[0], w[1])
			}
		}
	}
}

// TestNoAllocs checks that a warm flow's NLL, LogProb and Sample
// allocate nothing.
func TestNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	for _, mode := range []TraceMode{Hutchinson, Exact} {
		flow := tinyFlow(t, Config{Hidden: []int{8, 8}, Seed: 1, Trace: mode})
		x := make([]float64, 2*16)
		if err := Toy("moons", 16, nn.NewRNG(1), x); err != nil {
			t.Fatal(err)
		}
		g := make([]float64, len(flow.Params()))
		lp := make([]float64, 16)
		s := make([]float64, 2*16)
		run := func() {
			if _, err := flow.NLL(x, 16, g); err != nil {
				t.Fatal(err)
			}
			if err := flow.LogProb(x, 16, lp); err != nil {
				t.Fatal(err)
			}
			if err := flow.Sample(x, 16, s); err != nil {
				t.Fatal(err)
			}
		}
		run()
		if a := testing.AllocsPerRun(5, run); a != 0 {
			t.Errorf("%v: %v allocations per NLL+LogProb+Sample", mode, a)
		}
	}
}
