package sindy

import (
	"fmt"
	"strconv"

	"gonum.org/v1/gonum/mat"
)

// Settings choose how Fit discovers a model. A nil *Settings, and every
// nil or zero field, means pysindy's defaults: variables x0, x1, …,
// degree-2 polynomials, STLSQ with threshold 0.1 and α = 0.05 (unbiased),
// second-order finite differences.
type Settings struct {
	// Names of the state variables, in data column order; they must be
	// valid .node identifiers.
	Names []string
	// Library of candidate terms.
	Library Library
	// Optimizer finds the sparse coefficients.
	Optimizer Optimizer
	// Diff differentiates the data where trajectories carry no DX.
	Diff Differentiator
	// Weak, when not nil, fits the weak (integral) form instead of
	// differentiating: the method of choice for noisy data.
	Weak *WeakForm
	// Refine, when not nil, re-estimates the nonzero coefficients the
	// optimiser found by fitting simulations of the model to the data
	// (Model.Refine): much more precise coefficients from noisy data.
	Refine *Refinement
	// Search, when not nil, chooses the support by the likelihood of the
	// data over a sweep of the optimiser's threshold, then refines it
	// (see Search): the method for noisy data when the support must be
	// exact. Refine, if set, configures its simulations.
	Search *Search
}

// DefaultOptimizer is pysindy's default: STLSQ{Threshold: 0.1, Alpha: 0.05,
// Unbias: true}.
func DefaultOptimizer() Optimizer { return STLSQ{Threshold: 0.1, Alpha: 0.05, Unbias: true} }

func (s *Settings) resolve(d int) (Settings, error) {
	var r Settings
	if s != nil {
		r = *s
	}
	if r.Names == nil {
		r.Names = make([]string, d)
		for i := range d {
			r.Names[i] = "x" + strconv.Itoa(i)
		}
	}
	if len(r.Names) != d {
		return r, fmt.Errorf("%w: %d names for %d state variables", ErrShape, len(r.Names), d)
	}
	if r.Library == nil {
		r.Library = Polynomial{Degree: 2}
	}
	if r.Optimizer == nil {
		r.Optimizer = DefaultOptimizer()
	}
	if r.Diff == nil {
		r.Diff = FiniteDifference{}
	}
	return r, nil
}

// Fit discovers a sparse model x' = Ξ·θ(x) from one or more trajectories.
func Fit(data []Trajectory, s *Settings) (*Model, error) {
	set, feats, reg, err := prepare(data, s)
	if err != nil {
		return nil, err
	}
	if set.Search != nil {
		m, err := search(data, set, feats, reg)
		if err != nil {
			return nil, err
		}
		m.reg = reg
		return m, nil
	}
	m, err := fitRegression(set, feats, reg)
	if err != nil || set.Refine == nil {
		return m, err
	}
	if err := m.Refine(data, set.Refine); err != nil {
		return nil, err
	}
	return m, nil
}

// prepare validates the data and builds the regression problem.
func prepare(data []Trajectory, s *Settings) (Settings, []Feature, *Regression, error) {
	d, err := validate(data, 3)
	if err != nil {
		return Settings{}, nil, nil, err
	}
	set, err := s.resolve(d)
	if err != nil {
		return set, nil, nil, err
	}
	feats, err := set.Library.Features(set.Names)
	if err != nil {
		return set, nil, nil, err
	}
	if len(feats) == 0 {
		return set, nil, nil, fmt.Errorf("%w: the library has no features", ErrSettings)
	}
	reg, err := buildRegression(data, feats, &set)
	return set, feats, reg, err
}

func fitRegression(set Settings, feats []Feature, reg *Regression) (*Model, error) {
	_, p, k := reg.Dims()
	coef := mat.NewDense(k, p, nil)
	m := &Model{Names: set.Names, Features: feats, Coef: coef, reg: reg}
	if e, ok := set.Optimizer.(Ensemble); ok {
		res, err := e.FitEnsemble(reg, coef)
		if err != nil {
			return nil, err
		}
		m.Ensemble = res
	} else if err := set.Optimizer.Fit(reg, coef); err != nil {
		return nil, err
	}
	return m, nil
}

// buildRegression evaluates the library on every sample and pairs it with
// the derivatives (strong form) or builds the weak-form integrals.
func buildRegression(data []Trajectory, feats []Feature, s *Settings) (*Regression, error) {
	p, d := len(feats), len(s.Names)
	if s.Weak != nil {
		var G, B []float64
		rows := 0
		var theta []float64
		for k := range data {
			tr := &data[k]
			theta = evalFeatures(theta[:0], tr, feats)
			n, err := s.Weak.weakRows(tr.T, tr.X, theta, p, &G, &B)
			if err != nil {
				return nil, fmt.Errorf("trajectory %d: %w", k, err)
			}
			rows += n
		}
		return NewRegression(mat.NewDense(rows, p, G), mat.NewDense(rows, d, B)), nil
	}
	m := 0
	for k := range data {
		m += len(data[k].T)
	}
	theta := make([]float64, 0, m*p)
	y := make([]float64, m*d)
	row := 0
	col := make([]float64, 0, len(data[0].T))
	dcol := make([]float64, len(data[0].T))
	for k := range data {
		tr := &data[k]
		theta = evalFeatures(theta, tr, feats)
		n := len(tr.T)
		if tr.DX != nil {
			for i := range n {
				copy(y[(row+i)*d:], tr.DX[i])
			}
		} else {
			for j := range d {
				col = column(tr.X, j, col)
				if cap(dcol) < n {
					dcol = make([]float64, n)
				}
				dcol = dcol[:n]
				if err := s.Diff.Differentiate(dcol, tr.T, col); err != nil {
					return nil, fmt.Errorf("trajectory %d, %s: %w", k, s.Names[j], err)
				}
				for i, v := range dcol {
					y[(row+i)*d+j] = v
				}
			}
		}
		row += n
	}
	if !allFinite(theta) || !allFinite(y) {
		return nil, fmt.Errorf("%w: a library term or derivative is not finite on the data", ErrNonFinite)
	}
	return NewRegression(mat.NewDense(m, p, theta), mat.NewDense(m, d, y)), nil
}

// evalFeatures appends the n×p feature matrix of tr to dst.
func evalFeatures(dst []float64, tr *Trajectory, feats []Feature) []float64 {
	for i, x := range tr.X {
		t := tr.T[i]
		for _, f := range feats {
			dst = append(dst, f.Eval(t, x))
		}
	}
	return dst
}
