package sindy

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Optimizer finds sparse coefficients for a Regression.
type Optimizer interface {
	// Fit writes the coefficients (k×p, one row per target) into coef.
	Fit(r *Regression, coef *mat.Dense) error
}

// Thresholder is an Optimizer whose sparsity is set by a threshold; model
// selection sweeps it.
type Thresholder interface {
	Optimizer
	WithThreshold(th float64) Optimizer
}

// STLSQ is sequentially thresholded least squares (Brunton et al. 2016),
// pysindy's default optimiser: ridge regression, then every coefficient
// smaller than Threshold in magnitude is removed, repeated until the
// support no longer changes.
type STLSQ struct {
	Threshold float64
	// Alpha is the ridge weight: each step minimises ‖y − Θξ‖² + Alpha‖ξ‖².
	Alpha float64
	// MaxIter bounds the iterations (0 means 20).
	MaxIter int
	// Unbias refits the final support by ordinary least squares, removing
	// the ridge's shrinkage (pysindy's unbias=True).
	Unbias bool
	// Relative thresholds each term's relative contribution
	// |ξ_j|·‖θ_j‖/‖y‖ instead of |ξ_j|, as in the modified STLS of
	// weak SINDy (Messenger & Bortz 2021). It makes the threshold
	// independent of the units of the data and of the number of samples.
	Relative bool
}

// WithThreshold implements Thresholder.
func (o STLSQ) WithThreshold(th float64) Optimizer { o.Threshold = th; return o }

// Fit implements Optimizer.
func (o STLSQ) Fit(r *Regression, coef *mat.Dense) error {
	if !(o.Threshold >= 0) || !(o.Alpha >= 0) || o.MaxIter < 0 || math.IsInf(o.Threshold, 0) {
		return fmt.Errorf("%w: STLSQ threshold %g, alpha %g, iterations %d", ErrSettings, o.Threshold, o.Alpha, o.MaxIter)
	}
	_, p, k := r.Dims()
	checkCoef(coef, k, p)
	iters := o.MaxIter
	if iters == 0 {
		iters = 20
	}
	s := newSolver(r)
	support := make([]bool, p)
	xi := make([]float64, p)
	cut := make([]float64, p)
	for i := range k {
		for j := range support {
			support[j] = true
		}
		// cut[j] is the threshold on |ξ_j|.
		for j := range cut {
			cut[j] = o.Threshold
			if o.Relative {
				cut[j] *= math.Sqrt(r.yy[i]) * r.scale[j]
			}
		}
		for it := 0; it < iters; it++ {
			if err := s.solve(i, support, o.Alpha, 0, nil, xi); err != nil {
				return err
			}
			changed := false
			for j := range p {
				if support[j] && math.Abs(xi[j]) < cut[j] {
					support[j], xi[j] = false, 0
					changed = true
				}
			}
			if !changed {
				break
			}
		}
		if o.Unbias {
			if err := s.solve(i, support, 0, 0, nil, xi); err != nil {
				return err
			}
		}
		coef.SetRow(i, xi)
	}
	return nil
}

func checkCoef(coef *mat.Dense, k, p int) {
	if r, c := coef.Dims(); r != k || c != p {
		panic(fmt.Sprintf("sindy: coefficient matrix is %d×%d, want %d×%d", r, c, k, p))
	}
}
