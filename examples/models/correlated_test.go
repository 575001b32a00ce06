package models

import (
	"math"
	"os"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/nodekit/nodekit/dsl"
	"github.com/nodekit/nodekit/dsl/eval"
	"github.com/nodekit/nodekit/runtime/sde"
)

// correlated loads correlated.node: a linear SDE dy = A y dt + G dW with
// two Wiener processes (additive general noise).
func correlated(t *testing.T) *eval.System {
	t.Helper()
	src, err := os.ReadFile("correlated.node")
	if err != nil {
		t.Fatal(err)
	}
	prog, err := dsl.Compile("correlated.node", src)
	if err != nil {
		t.Fatal(err)
	}
	sys, err := eval.New(prog.Model("Correlated"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if sys.Noise() != sde.Additive || sys.NoiseDim() != 2 {
		t.Fatalf("noise %v with %d Wiener processes, want additive with 2", sys.Noise(), sys.NoiseDim())
	}
	return sys
}

// drift returns A (the Jacobian of the linear drift) and G.
func driftAndNoise(sys *eval.System) (A, G *mat.Dense) {
	n, m := sys.Dim(), sys.NoiseDim()
	J := make([]float64, n*n)
	sys.Jac(0, make([]float64, n), J)
	g := make([]float64, n*m)
	sys.Diffusion(0, make([]float64, n), g)
	return mat.NewDense(n, n, J), mat.NewDense(n, m, g)
}

// lyapunov solves A Σ + Σ Aᵀ + Q = 0 through its Kronecker form
// (I⊗A + A⊗I) vec Σ = −vec Q.
func lyapunov(t *testing.T, A, Q *mat.Dense) *mat.Dense {
	n, _ := A.Dims()
	K := mat.NewDense(n*n, n*n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			for k := 0; k < n; k++ {
				// row (i,j) of vec Σ (row-major): Σ_k A_ik Σ_kj + Σ_k Σ_ik A_jk.
				K.Set(i*n+j, k*n+j, K.At(i*n+j, k*n+j)+A.At(i, k))
				K.Set(i*n+j, i*n+k, K.At(i*n+j, i*n+k)+A.At(j, k))
			}
		}
	}
	q := mat.NewVecDense(n*n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			q.SetVec(i*n+j, -Q.At(i, j))
		}
	}
	var s mat.VecDense
	if err := s.SolveVec(K, q); err != nil {
		t.Fatal(err)
	}
	return mat.NewDense(n, n, s.RawVector().Data)
}

// covAt returns the sample covariance of the paths at save time k.
func covAt(e *sde.Ensemble, k int) *mat.Dense {
	n, N := e.N, e.Paths
	mean := make([]float64, n)
	for p := 0; p < N; p++ {
		for i, v := range e.At(k, p) {
			mean[i] += v / float64(N)
		}
	}
	c := mat.NewDense(n, n, nil)
	for p := 0; p < N; p++ {
		y := e.At(k, p)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				c.Set(i, j, c.At(i, j)+(y[i]-mean[i])*(y[j]-mean[j])/float64(N-1))
			}
		}
	}
	return c
}

// checkCov compares a sample covariance of N Gaussian samples with want,
// entry by entry, to four standard errors: Var(S_ij) = (Σ_ii Σ_jj + Σ_ij²)/N.
func checkCov(t *testing.T, what string, got, want *mat.Dense, N int) {
	t.Helper()
	n, _ := want.Dims()
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			w := want.At(i, j)
			se := math.Sqrt((want.At(i, i)*want.At(j, j) + w*w) / float64(N))
			if math.Abs(got.At(i, j)-w) > 4*se {
				t.Errorf("%s[%d][%d] = %.5g, want %.5g ± %.2g", what, i, j, got.At(i, j), w, 4*se)
			}
		}
	}
}

// The increment of one Euler–Maruyama step from y = 0 is G ΔW, whose
// covariance is G Gᵀ h; over a long time the paths reach the stationary
// covariance Σ that solves A Σ + Σ Aᵀ + G Gᵀ = 0.
func TestCorrelatedCovariance(t *testing.T) {
	sys := correlated(t)
	A, G := driftAndNoise(sys)
	var Q mat.Dense
	Q.Mul(G, G.T())
	if Q.At(0, 1) == 0 {
		t.Fatal("the example's noise is not correlated")
	}
	const paths = 20000
	y0 := make([]float64, sys.Dim())

	const h = 0.01
	ens, err := sde.SolvePaths(sys, y0, []float64{0, h}, paths, 1, &sde.Options{Method: sde.MethodEuler, Dt: h, KeepPaths: true})
	if err != nil {
		t.Fatal(err)
	}
	var Qh mat.Dense
	Qh.Scale(h, &Q)
	checkCov(t, "Cov(increment)", covAt(ens, 1), &Qh, paths)

	sigma := lyapunov(t, A, &Q)
	var res mat.Dense // A Σ + Σ Aᵀ + Q
	res.Mul(A, sigma)
	var sat mat.Dense
	sat.Mul(sigma, A.T())
	res.Add(&res, &sat)
	res.Add(&res, &Q)
	if r := mat.Norm(&res, math.Inf(1)); r > 1e-14 {
		t.Fatalf("Lyapunov residual %g", r)
	}
	// Heun is weak order 2 for additive noise: its bias at Dt = 0.05 is
	// well below the sampling error. By t = 10 the initial state is
	// forgotten (e^{−2t}·t² < 1e−6).
	ens, err = sde.SolvePaths(sys, y0, []float64{0, 10}, paths, 2, &sde.Options{Method: sde.MethodHeun, Dt: 0.05, KeepPaths: true})
	if err != nil {
		t.Fatal(err)
	}
	got := covAt(ens, 1)
	checkCov(t, "stationary Cov", got, sigma, paths)
	if rho := got.At(0, 1) / math.Sqrt(got.At(0, 0)*got.At(1, 1)); rho < 0.5 {
		t.Errorf("stationary correlation %.3f, want about %.3f", rho, sigma.At(0, 1)/math.Sqrt(sigma.At(0, 0)*sigma.At(1, 1)))
	}
}
