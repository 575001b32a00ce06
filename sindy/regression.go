package sindy

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Regression is the linear least-squares problem Θ·Ξᵀ ≈ Y that every
// optimiser solves: Θ is m×p (one column per feature), Y is m×k (one column
// per target), and the coefficient matrix Ξ is k×p, one row per target as
// pysindy's coefficients(). The normal equations ΘᵀΘ and ΘᵀY are formed
// once, on first use, and shared by all optimiser iterations.
type Regression struct {
	Theta, Y *mat.Dense

	gram  *mat.SymDense
	thy   *mat.Dense // p×k
	yy    []float64  // ‖y_i‖²
	scale []float64  // 1/‖θ_j‖ (1 for zero columns)
}

// NewRegression wraps Θ (m×p) and Y (m×k); it panics if their row counts
// differ.
func NewRegression(theta, y *mat.Dense) *Regression {
	m, _ := theta.Dims()
	my, _ := y.Dims()
	if m != my {
		panic(fmt.Sprintf("sindy: Θ has %d rows, Y has %d", m, my))
	}
	return &Regression{Theta: theta, Y: y}
}

// Dims returns the number of rows m, features p and targets k.
func (r *Regression) Dims() (m, p, k int) {
	m, p = r.Theta.Dims()
	_, k = r.Y.Dims()
	return
}

func (r *Regression) normal() {
	if r.gram != nil {
		return
	}
	_, p, k := r.Dims()
	r.gram = mat.NewSymDense(p, nil)
	r.gram.SymOuterK(1, r.Theta.T())
	r.thy = mat.NewDense(p, k, nil)
	r.thy.Mul(r.Theta.T(), r.Y)
	r.yy = make([]float64, k)
	for i := range k {
		c := mat.Col(nil, i, r.Y)
		r.yy[i] = mat.Dot(mat.NewVecDense(len(c), c), mat.NewVecDense(len(c), c))
	}
	r.scale = make([]float64, p)
	for j := range p {
		d := r.gram.At(j, j)
		r.scale[j] = 1
		if d > 0 {
			r.scale[j] = 1 / math.Sqrt(d)
		}
	}
}

// Gram returns ΘᵀΘ (p×p). It must not be modified.
func (r *Regression) Gram() *mat.SymDense { r.normal(); return r.gram }

// ThetaTY returns ΘᵀY (p×k). It must not be modified.
func (r *Regression) ThetaTY() *mat.Dense { r.normal(); return r.thy }

// RSS returns the residual sum of squares ‖y_i − Θξ_i‖² of each target for
// the coefficients coef (k×p), computed from the normal equations.
func (r *Regression) RSS(coef mat.Matrix) []float64 {
	r.normal()
	_, p, k := r.Dims()
	out := make([]float64, k)
	xi := make([]float64, p)
	gx := mat.NewVecDense(p, nil)
	for i := range k {
		for j := range p {
			xi[j] = coef.At(i, j)
		}
		v := mat.NewVecDense(p, xi)
		gx.MulVec(r.gram, v)
		rss := r.yy[i] - 2*mat.Dot(v, r.thy.ColView(i)) + mat.Dot(v, gx)
		out[i] = math.Max(rss, 0)
	}
	return out
}

// solver solves ridge-regularised normal equations on a subset of features
// for one target, working in column-normalised variables for conditioning.
type solver struct {
	r    *Regression
	a, b []float64
	idx  []int
}

func newSolver(r *Regression) *solver {
	r.normal()
	_, p, _ := r.Dims()
	return &solver{r: r, a: make([]float64, p*p), b: make([]float64, p), idx: make([]int, 0, p)}
}

// solve finds ξ_S minimising ‖y − Θ_S ξ_S‖² + alpha‖ξ_S‖² + ‖ξ_S − shiftTarget‖²/nu
// over the features where support is true (nu = 0 drops the last term);
// it writes ξ into dst (zeros off the support).
func (s *solver) solve(target int, support []bool, alpha, nu float64, shift, dst []float64) error {
	r := s.r
	s.idx = s.idx[:0]
	for j, in := range support {
		dst[j] = 0
		if in {
			s.idx = append(s.idx, j)
		}
	}
	n := len(s.idx)
	if n == 0 {
		return nil
	}
	extra := alpha
	if nu > 0 {
		extra += 1 / nu
	}
	if m, _, _ := r.Dims(); extra == 0 && n > m {
		// The jittered retry below would return one of infinitely many
		// exact fits, chosen by rounding.
		return fmt.Errorf("%w: %d terms for target %d but only %d samples (rows): the least-squares fit is underdetermined; use fewer terms, more data or ridge regularisation (Alpha > 0)", ErrSingular, n, target, m)
	}
	for try := 0; try < 2; try++ {
		for a, ja := range s.idx {
			ca := r.scale[ja]
			for b := 0; b <= a; b++ {
				jb := s.idx[b]
				s.a[a*n+b] = r.gram.At(ja, jb) * ca * r.scale[jb]
			}
			s.a[a*n+a] += extra*ca*ca + float64(try)*1e-10
			rhs := r.thy.At(ja, target)
			if nu > 0 {
				rhs += shift[ja] / nu
			}
			s.b[a] = rhs * ca
		}
		if cholSolve(s.a[:n*n], s.b[:n], n) {
			for a, j := range s.idx {
				dst[j] = s.b[a] * r.scale[j]
			}
			return nil
		}
	}
	return fmt.Errorf("%w: %d features for target %d are linearly dependent", ErrSingular, n, target)
}
