package eval

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"

	"github.com/nodekit/nodekit/dsl"
	"github.com/nodekit/nodekit/runtime/sde"
)

func noiseModels(t testing.TB) *dsl.Program {
	t.Helper()
	src, err := os.ReadFile("../testdata/noise.node")
	if err != nil {
		t.Fatal(err)
	}
	prog, err := dsl.Compile("noise.node", src)
	if err != nil {
		t.Fatal(err)
	}
	return prog
}

// noiseCase is a model with its diffusion written out by hand.
type noiseCase struct {
	prog, model string
	kind        sde.NoiseKind
	m           int
	g           func(t float64, y, p []float64) []float64 // Diffusion's layout
}

var noiseCases = []noiseCase{
	{"noise", "Correlated", sde.Additive, 2, func(_ float64, _, p []float64) []float64 {
		return []float64{p[0], 0, p[1], p[0]}
	}},
	{"noise", "GBMScalar", sde.Scalar, 1, func(_ float64, y, p []float64) []float64 {
		return []float64{p[1] * y[0], -p[1] / 2 * y[1]}
	}},
	{"noise", "Rotating", sde.General, 3, func(_ float64, y, p []float64) []float64 {
		return []float64{p[0] * y[0], 0, p[1] * math.Sin(y[1]), 0, p[0] * y[0], p[1] * math.Sin(y[1])}
	}},
	{"noise", "Forced", sde.Additive, 1, func(t float64, _, p []float64) []float64 {
		return []float64{p[0] * (1 + t)}
	}},
	{"examples", "OU", sde.Diagonal, 1, func(_ float64, _, p []float64) []float64 {
		return []float64{p[2]}
	}},
}

// Diffusion, Noise and NoiseDim of general-noise models against the
// hand-written g, and DiffusionVJP against finite differences, for the
// symbolic programs and for reverse mode.
func TestGeneralNoise(t *testing.T) {
	progs := map[string]*dsl.Program{"noise": noiseModels(t), "examples": examples(t)}
	for _, c := range noiseCases {
		for _, reverse := range []bool{false, true} {
			name := c.model
			if reverse {
				name += "/reverse"
			}
			t.Run(name, func(t *testing.T) {
				m := progs[c.prog].Model(c.model)
				s, err := New(m, &Options{reverse: reverse})
				if err != nil {
					t.Fatal(err)
				}
				if s.sym == reverse {
					t.Fatalf("sym = %v with reverse = %v", s.sym, reverse)
				}
				if s.Noise() != c.kind || s.NoiseDim() != c.m {
					t.Fatalf("Noise %v, NoiseDim %d; want %v, %d", s.Noise(), s.NoiseDim(), c.kind, c.m)
				}
				checkNoise(t, s, c)
			})
		}
	}
}

func checkNoise(t *testing.T, s *System, c noiseCase) {
	n := s.Dim()
	rng := rand.New(rand.NewPCG(3, uint64(len(c.model))))
	p := s.Params()
	for i := range p {
		p[i] *= 1 + 0.3*(rng.Float64()-0.5)
	}
	gl := n * c.m
	if c.kind == sde.Diagonal || c.kind == sde.Scalar {
		gl = n
	}
	for trial := 0; trial < 3; trial++ {
		y := make([]float64, n)
		for i := range y {
			y[i] = 2 * (rng.Float64() - 0.5)
		}
		tt := rng.Float64()
		g := make([]float64, gl+1)
		g[gl] = 42 // Diffusion writes exactly its layout
		s.Diffusion(tt, y, g)
		nearly(t, "Diffusion", g[:gl], c.g(tt, y, p), 1e-15)
		if g[gl] != 42 {
			t.Error("Diffusion wrote past its layout")
		}

		b := make([]float64, gl)
		for i := range b {
			b[i] = rng.NormFloat64()
		}
		phi := func(y []float64) float64 {
			g := make([]float64, gl)
			s.Diffusion(tt, y, g)
			v := 0.0
			for k := range g {
				v += b[k] * g[k]
			}
			return v
		}
		ay := make([]float64, n)
		ap := make([]float64, len(p))
		for i := range ap {
			ap[i] = float64(i) // accumulated into
		}
		s.DiffusionVJP(tt, y, b, ay, ap)
		nearly(t, "DiffusionVJP ay vs finite differences", ay, fd.Gradient(nil, phi, y, &fd.Settings{Formula: fd.Central}), 1e-7)
		gp := fd.Gradient(nil, func(q []float64) float64 {
			old := append([]float64(nil), p...)
			copy(p, q)
			v := phi(y)
			copy(p, old)
			return v
		}, append([]float64(nil), p...), &fd.Settings{Formula: fd.Central})
		for i := range gp {
			gp[i] += float64(i)
		}
		nearly(t, "DiffusionVJP ap vs finite differences", ap, gp, 1e-7)
		ay2 := make([]float64, n)
		s.DiffusionVJP(tt, y, b, ay2, nil)
		nearly(t, "DiffusionVJP ay with ap nil", ay2, ay, 0)
	}

	y, g := s.InitialState(), make([]float64, gl)
	b, ay, ap := make([]float64, gl), make([]float64, n), make([]float64, len(p))
	if a := testing.AllocsPerRun(20, func() {
		s.Diffusion(0.5, y, g)
		s.DiffusionVJP(0.5, y, b, ay, ap)
		s.DiffusionVJP(0.5, y, b, ay, nil)
	}); a != 0 {
		t.Errorf("%v allocations per Diffusion and DiffusionVJP", a)
	}

	if c.kind != sde.Diagonal {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "diagonal noise only") {
					t.Errorf("DiffusionDerivative of %v noise: recovered %v", c.kind, r)
				}
			}()
			s.DiffusionDerivative(0, y, make([]float64, n))
		}()
	}
}

// nearly checks got against want to tol relative to max(1, |want|∞).
func nearly(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	scale := 1.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(v))
	}
	for i := range want {
		if !(math.Abs(got[i]-want[i]) <= tol*scale) {
			t.Errorf("%s[%d] = %v, want %v", what, i, got[i], want[i])
			return
		}
	}
}

// The stochastic adjoint on a general-noise model: AdjointGradient and
// DiscreteGradient (reversible Heun) agree to rounding, and both agree with
// finite differences of the solution on the same Brownian path.
func TestGeneralNoiseAdjoint(t *testing.T) {
	m := noiseModels(t).Model("Rotating")
	s, err := New(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := []float64{0, 0.5, 1}
	bm := sde.NewBrownianTree(0, 1, s.NoiseDim(), 11, 1e-12)
	y0 := s.InitialState()
	opts := &sde.AdjointOptions{Method: sde.MethodReversibleHeun, Dt: 1.0 / 64}
	// L = Σ_k Σ_i y_i(ts[k])².
	dLdy := func(_ int, y, a []float64) {
		for i := range y {
			a[i] = 2 * y[i]
		}
	}
	n, np := s.Dim(), len(s.Params())
	gy1, gp1 := make([]float64, n), make([]float64, np)
	if err := sde.AdjointGradient(s, y0, ts, bm, dLdy, gy1, gp1, opts); err != nil {
		t.Fatal(err)
	}
	gy2, gp2 := make([]float64, n), make([]float64, np)
	if err := sde.DiscreteGradient(s, y0, ts, bm, dLdy, gy2, gp2, opts); err != nil {
		t.Fatal(err)
	}
	nearly(t, "adjoint vs discrete ∂L/∂y0", gy1, gy2, 1e-12)
	nearly(t, "adjoint vs discrete ∂L/∂θ", gp1, gp2, 1e-12)

	loss := func() float64 {
		sol, err := sde.Solve(s, y0, ts, bm, &sde.Options{Method: sde.MethodReversibleHeun, Dt: opts.Dt})
		if err != nil {
			t.Fatal(err)
		}
		l := 0.0
		for _, y := range sol.Y {
			for _, v := range y {
				l += v * v
			}
		}
		return l
	}
	p := s.Params()
	gp := fd.Gradient(nil, func(q []float64) float64 {
		old := append([]float64(nil), p...)
		copy(p, q)
		v := loss()
		copy(p, old)
		return v
	}, append([]float64(nil), p...), &fd.Settings{Formula: fd.Central})
	nearly(t, "∂L/∂θ vs finite differences", gp1, gp, 1e-6)
	y0c := append([]float64(nil), y0...)
	gy := fd.Gradient(nil, func(x []float64) float64 {
		copy(y0, x)
		v := loss()
		copy(y0, y0c)
		return v
	}, append([]float64(nil), y0...), &fd.Settings{Formula: fd.Central})
	nearly(t, "∂L/∂y0 vs finite differences", gy1, gy, 1e-6)
}

// sampleCov returns the mean and the covariance (divided by N−1) of the
// rows of x (N samples of dimension n).
func sampleCov(x [][]float64) (mean []float64, cov [][]float64) {
	n, N := len(x[0]), float64(len(x))
	mean = make([]float64, n)
	for _, r := range x {
		for i, v := range r {
			mean[i] += v / N
		}
	}
	cov = make([][]float64, n)
	for i := range cov {
		cov[i] = make([]float64, n)
		for _, r := range x {
			for j := range r {
				cov[i][j] += (r[i] - mean[i]) * (r[j] - mean[j]) / (N - 1)
			}
		}
	}
	return mean, cov
}

// One Euler–Maruyama step of a state-dependent general-noise model, over
// many paths: the increment is f h + G ΔW, so its covariance is G Gᵀ h,
// with G the 2×3 matrix at the initial state. It checks the noise matrix
// through sde.SolvePaths (which runs replicas of the interpreter).
func TestGeneralNoiseIncrements(t *testing.T) {
	s, err := New(noiseModels(t).Model("Rotating"), nil)
	if err != nil {
		t.Fatal(err)
	}
	y0 := []float64{0.5, 1.3}
	const h, paths = 0.01, 20000
	ens, err := sde.SolvePaths(s, y0, []float64{0, h}, paths, 5, &sde.Options{Method: sde.MethodEuler, Dt: h, KeepPaths: true})
	if err != nil {
		t.Fatal(err)
	}
	dy := make([][]float64, paths)
	for p := range dy {
		y := ens.At(1, p)
		dy[p] = []float64{y[0] - y0[0], y[1] - y0[1]}
	}
	mean, cov := sampleCov(dy)
	g := make([]float64, 6)
	s.Diffusion(0, y0, g)
	f := make([]float64, 2)
	s.Func(0, y0, f)
	for i := 0; i < 2; i++ {
		v := 0.0
		for j := 0; j < 3; j++ {
			v += g[i*3+j] * g[i*3+j] * h
		}
		if se := math.Sqrt(v / paths); math.Abs(mean[i]-f[i]*h) > 4*se {
			t.Errorf("mean increment %d = %v, want %v ± %v", i, mean[i], f[i]*h, 4*se)
		}
		for k := 0; k < 2; k++ {
			want := 0.0
			for j := 0; j < 3; j++ {
				want += g[i*3+j] * g[k*3+j] * h
			}
			vii, vkk := 0.0, 0.0
			for j := 0; j < 3; j++ {
				vii += g[i*3+j] * g[i*3+j] * h
				vkk += g[k*3+j] * g[k*3+j] * h
			}
			se := math.Sqrt((vii*vkk + want*want) / paths)
			if math.Abs(cov[i][k]-want) > 4*se {
				t.Errorf("Cov[%d][%d] = %v, want G Gᵀ h = %v ± %v", i, k, cov[i][k], want, 4*se)
			}
		}
	}
	// The processes are correlated through v: the off-diagonal term is
	// far from zero.
	if cov[0][1] < 10*math.Sqrt((cov[0][0]*cov[1][1]+cov[0][1]*cov[0][1])/paths) {
		t.Errorf("Cov[0][1] = %v: no correlation", cov[0][1])
	}
}

// The SDE methods that accept general noise solve a state-dependent
// general-noise model; the others refuse it with sde.ErrNoiseKind.
func TestGeneralNoiseMethods(t *testing.T) {
	s, err := New(noiseModels(t).Model("Rotating"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var general []string
	for _, mi := range sde.Methods() {
		bm := sde.NewBrownianTree(0, 0.5, s.NoiseDim(), 4, 1e-10)
		sol, err := sde.Solve(s, s.InitialState(), []float64{0, 0.5}, bm, &sde.Options{Method: mi.Name, Dt: 0.01})
		if !mi.Supports(sde.General) {
			if !errors.Is(err, sde.ErrNoiseKind) {
				t.Errorf("%s: error %v, want sde.ErrNoiseKind", mi.Name, err)
			}
			continue
		}
		general = append(general, mi.Name)
		if err != nil {
			t.Errorf("%s: %v", mi.Name, err)
			continue
		}
		for _, v := range sol.Y[1] {
			if math.IsNaN(v) || math.Abs(v) > 10 {
				t.Errorf("%s: y(0.5) = %v", mi.Name, sol.Y[1])
			}
		}
	}
	if len(general) < 5 {
		t.Errorf("only %v accept general noise", general)
	}
	t.Logf("methods for general noise: %v", general)
}
