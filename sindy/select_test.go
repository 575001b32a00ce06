package sindy

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestSelectThreshold(t *testing.T) {
	noisy := addNoise(lorenzData(), 0.01, 3)
	names := []string{"x", "y", "z"}
	_, valX := rk4(lorenzRHS, []float64{5, -3, 20}, 0.002, 250, 8)
	valT := lorenzData().T[:250]
	for _, tc := range []struct {
		crit Criterion
		set  *Settings
	}{
		{BIC, &Settings{Names: names, Weak: &WeakForm{}}},
		{BIC, &Settings{Names: names, Weak: &WeakForm{}, Optimizer: STLSQ{Relative: true, Unbias: true}}},
		{HeldOut, &Settings{Names: names, Weak: &WeakForm{}}},
	} {
		m, cands, err := Select([]Trajectory{noisy}, tc.set, &Selection{
			Criterion: tc.crit, Validation: []Trajectory{{T: valT, X: valX}},
		})
		if err != nil {
			t.Fatalf("%v: %v", tc.crit, err)
		}
		if len(cands) != 40 {
			t.Errorf("%v: %d candidates, want 40", tc.crit, len(cands))
		}
		sawMore, sawFewer := false, false
		for _, c := range cands {
			sawMore = sawMore || c.Terms > 7
			sawFewer = sawFewer || c.Terms < 7
		}
		if !sawMore || !sawFewer { // else the test could not fail
			t.Errorf("%v: the sweep did not span denser and sparser models than the truth", tc.crit)
		}
		t.Logf("%v selected %d terms:\n%s", tc.crit, m.NumTerms(), m)
		supportAndError(t, m, lorenzTrue)
	}
}

func TestSelectInformationCriteria(t *testing.T) {
	// A damped linear oscillator with white noise on given derivatives:
	// independent residuals, where AIC, AICc and BIC are all valid.
	A := [2][2]float64{{-0.1, 2}, {-2, -0.1}}
	f := func(x, dx []float64) {
		dx[0] = A[0][0]*x[0] + A[0][1]*x[1]
		dx[1] = A[1][0]*x[0] + A[1][1]*x[1]
	}
	ts, xs := rk4(f, []float64{2, 0}, 0.01, 1000, 2)
	rng := rand.New(rand.NewPCG(1, 2))
	dx := make([][]float64, len(xs))
	for i, x := range xs {
		dx[i] = make([]float64, 2)
		f(x, dx[i])
		dx[i][0] += 0.05 * rng.NormFloat64()
		dx[i][1] += 0.05 * rng.NormFloat64()
	}
	want := mat.NewDense(2, 10, nil) // cubic library of (u, v): 1 u v u^2 u v v^2 ...
	want.Set(0, 1, A[0][0])
	want.Set(0, 2, A[0][1])
	want.Set(1, 1, A[1][0])
	want.Set(1, 2, A[1][1])
	data := []Trajectory{{T: ts, X: xs, DX: dx}}
	for _, crit := range []Criterion{AIC, AICc, BIC} {
		m, _, err := Select(data, &Settings{Names: []string{"u", "v"}, Library: Polynomial{Degree: 3}}, &Selection{Criterion: crit})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%v: %d terms\n%s", crit, m.NumTerms(), m)
		if crit == BIC {
			// BIC is consistent: exactly the true terms.
			if abs, _ := supportAndError(t, m, want); abs > 0.01 {
				t.Errorf("%v: coefficient error %.3g", crit, abs)
			}
			continue
		}
		// AIC is not consistent and may keep a few tiny extra terms, but
		// never drops a true one.
		for i := range 2 {
			for j := range 10 {
				w, g := want.At(i, j), m.Coef.At(i, j)
				if w != 0 && math.Abs(g-w) > 0.01 {
					t.Errorf("%v: true term (%d,%d) = %v, want %v", crit, i, j, g, w)
				}
				if w == 0 && math.Abs(g) > 0.01 {
					t.Errorf("%v: extra term (%d,%d) = %v is not tiny", crit, i, j, g)
				}
			}
		}
	}
}

func TestSelectErrors(t *testing.T) {
	data := []Trajectory{lorenzData()}
	if _, _, err := Select(data, &Settings{Optimizer: Ensemble{Base: fixedOptimizer{}}}, nil); err != nil {
		// Ensemble implements Thresholder even over a base that does not;
		// the sweep then fits the same model each time.
		t.Errorf("ensemble over a fixed optimiser: %v", err)
	}
	if _, _, err := Select(data, &Settings{Optimizer: fixedOptimizer{}}, nil); !errors.Is(err, ErrSettings) {
		t.Errorf("optimiser without threshold: %v, want ErrSettings", err)
	}
	if _, _, err := Select(data, nil, &Selection{Criterion: HeldOut}); !errors.Is(err, ErrSettings) {
		t.Errorf("held-out without data: %v, want ErrSettings", err)
	}
}

// fixedOptimizer is an Optimizer with no threshold: plain least squares.
type fixedOptimizer struct{}

func (fixedOptimizer) Fit(r *Regression, coef *mat.Dense) error { return STLSQ{}.Fit(r, coef) }
