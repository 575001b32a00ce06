package sindy

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Aggregation combines the coefficients of an ensemble's models.
type Aggregation int

const (
	Median Aggregation = iota // "bragging": robust to outlying models
	Mean                      // bagging
)

// Ensemble is ensemble SINDy (Fasel et al. 2022): the base optimiser is
// fitted to many bootstrap resamples of the rows (bagging) and/or with
// random features left out (library bagging), and the models are
// aggregated coefficient by coefficient. A term's inclusion probability is
// the fraction of the models whose library offered it that kept it, and
// its aggregate is taken over those same models (so library bagging does
// not bias coefficients towards zero); terms below MinInclusion are
// dropped from the aggregate.
type Ensemble struct {
	// Base fits each model; nil means STLSQ{Threshold: 0.1, Alpha: 0.05}.
	Base Optimizer
	// Models is the number of fits (0 means 20).
	Models int
	// NoBagging fits every model on all rows (use with library bagging).
	NoBagging bool
	// SampleFraction is the bootstrap sample size as a fraction of the
	// rows, drawn with replacement (0 means 1).
	SampleFraction float64
	// DropFeatures > 0 enables library bagging: each model leaves out that
	// many randomly chosen features.
	DropFeatures int
	Aggregate    Aggregation
	// MinInclusion in [0, 1]: aggregate coefficients of terms kept by a
	// smaller fraction of the models are set to zero.
	MinInclusion float64
	// Seed makes the resampling reproducible.
	Seed uint64
}

// EnsembleResult holds what an ensemble fit found besides the aggregate.
type EnsembleResult struct {
	// Coefs are the individual models' coefficient matrices (k×p).
	Coefs []*mat.Dense
	// Offered[b][j] is whether model b's library included feature j.
	Offered [][]bool
	// Inclusion (k×p) is the fraction of models in which each term is
	// nonzero.
	Inclusion *mat.Dense
}

// WithThreshold implements Thresholder when the base optimiser does.
func (e Ensemble) WithThreshold(th float64) Optimizer {
	base := e.base()
	if t, ok := base.(Thresholder); ok {
		e.Base = t.WithThreshold(th)
	}
	return e
}

func (e Ensemble) base() Optimizer {
	if e.Base == nil {
		return STLSQ{Threshold: 0.1, Alpha: 0.05}
	}
	return e.Base
}

// Fit implements Optimizer.
func (e Ensemble) Fit(r *Regression, coef *mat.Dense) error {
	_, err := e.FitEnsemble(r, coef)
	return err
}

// FitEnsemble fits the ensemble, writes the aggregate into coef and
// returns the individual models and inclusion probabilities.
func (e Ensemble) FitEnsemble(r *Regression, coef *mat.Dense) (*EnsembleResult, error) {
	m, p, k := r.Dims()
	checkCoef(coef, k, p)
	models := e.Models
	if models == 0 {
		models = 20
	}
	frac := e.SampleFraction
	if frac == 0 {
		frac = 1
	}
	if models < 1 || !(frac > 0) || frac > 10 || e.DropFeatures < 0 || e.DropFeatures >= p ||
		!(e.MinInclusion >= 0 && e.MinInclusion <= 1) || (e.Aggregate != Median && e.Aggregate != Mean) {
		return nil, fmt.Errorf("%w: ensemble of %d models, sample fraction %g, %d features dropped of %d, min inclusion %g",
			ErrSettings, models, frac, e.DropFeatures, p, e.MinInclusion)
	}
	if e.NoBagging && e.DropFeatures == 0 {
		return nil, fmt.Errorf("%w: ensemble with neither bagging nor library bagging", ErrSettings)
	}
	rng := rand.New(rand.NewPCG(e.Seed, 0x5eed))
	base := e.base()
	rows := m
	if !e.NoBagging {
		rows = max(1, int(frac*float64(m)+0.5))
	}
	res := &EnsembleResult{Inclusion: mat.NewDense(k, p, nil)}
	perm := make([]int, p)
	for b := range models {
		// Rows.
		var sub *Regression
		if e.NoBagging {
			sub = r
		} else {
			th := mat.NewDense(rows, p, nil)
			y := mat.NewDense(rows, k, nil)
			for i := range rows {
				src := rng.IntN(m)
				th.SetRow(i, r.Theta.RawRowView(src))
				y.SetRow(i, r.Y.RawRowView(src))
			}
			sub = NewRegression(th, y)
		}
		// Features.
		keep := perm[:0]
		for j := range p {
			keep = append(keep, j)
		}
		if e.DropFeatures > 0 {
			rng.Shuffle(len(keep), func(a, b int) { keep[a], keep[b] = keep[b], keep[a] })
			keep = keep[:p-e.DropFeatures]
			slices.Sort(keep)
			th := mat.NewDense(rows, len(keep), nil)
			for a, j := range keep {
				for i := range rows {
					th.Set(i, a, sub.Theta.At(i, j))
				}
			}
			sub = NewRegression(th, sub.Y)
		}
		c := mat.NewDense(k, len(keep), nil)
		if err := base.Fit(sub, c); err != nil {
			return nil, fmt.Errorf("ensemble model %d: %w", b, err)
		}
		full := mat.NewDense(k, p, nil)
		offered := make([]bool, p)
		for i := range k {
			for a, j := range keep {
				full.Set(i, j, c.At(i, a))
				offered[j] = true
			}
		}
		res.Coefs = append(res.Coefs, full)
		res.Offered = append(res.Offered, offered)
	}
	vals := make([]float64, 0, models)
	for i := range k {
		for j := range p {
			nz := 0
			vals = vals[:0]
			for b, c := range res.Coefs {
				if !res.Offered[b][j] {
					continue
				}
				v := c.At(i, j)
				vals = append(vals, v)
				if v != 0 {
					nz++
				}
			}
			var inc, agg float64
			if len(vals) > 0 {
				inc = float64(nz) / float64(len(vals))
			}
			res.Inclusion.Set(i, j, inc)
			if inc > 0 && inc >= e.MinInclusion {
				if e.Aggregate == Median {
					agg = median(vals)
				} else {
					for _, v := range vals {
						agg += v
					}
					agg /= float64(len(vals))
				}
			}
			coef.Set(i, j, agg)
		}
	}
	return res, nil
}

// median sorts v in place and returns its median.
func median(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
