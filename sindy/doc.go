// Package sindy discovers governing equations from data with sparse
// identification of nonlinear dynamics (SINDy; Brunton, Proctor & Kutz,
// PNAS 2016): it writes the time derivative of the state as a sparse
// combination of candidate terms,
//
//	x' = Ξ · θ(x),
//
// and finds the few nonzero coefficients Ξ by sparse regression. It covers
// what pysindy offers for ordinary differential equations, and turns the
// answer into a runnable .node model.
//
// # Data
//
// A Trajectory holds the times (uniform or not) and states of one run, and
// optionally precomputed derivatives. Fit takes any number of them.
//
// # Differentiation
//
// FiniteDifference (any order, any grid; order 2 by default),
// SavitzkyGolay (local polynomial fits), SmoothingSpline (Reinsch's cubic
// smoothing spline), TotalVariation (TV-regularised differentiation for
// noisy data) and Spectral (periodic, uniform data) implement
// Differentiator. The weak form (WeakForm) needs no derivatives at all.
//
// # Libraries
//
// Polynomial, Fourier, Custom (Go functions) and Expressions (.node
// expression strings such as "x*exp(-y)", compiled by package dsl) build
// candidate features; Concat sums libraries and Tensor multiplies them.
// Each Feature has a pysindy-style name ("x y", "sin(1 x)") and a .node
// expression ("x*y", "sin(x)").
//
// # Optimisers
//
// STLSQ (sequentially thresholded ridge regression, pysindy's default),
// SR3 (L0 or L1, optionally with linear equality constraints: constrained
// SR3) and Ensemble (bagging and library bagging, median or mean, with
// inclusion probabilities) implement Optimizer. They work on the normal
// equations ΘᵀΘ, ΘᵀẊ, formed once per fit, with column scaling for
// conditioning; this is why a fit on pysindy's Lorenz benchmark takes well
// under a millisecond. An unregularised least-squares step (Alpha = 0, or
// Unbias) on more terms than samples has no unique answer and is an
// ErrSingular.
//
// # Refinement
//
// Sparse regression finds the support; its coefficients from noisy data
// scatter by a few percent (it is an equation-error method: the noise is in
// its regressors). Model.Refine, or Settings.Refine in Fit, re-estimates
// the nonzero coefficients by fitting simulations of the model to the data
// over windows (multiple shooting, Levenberg–Marquardt, residuals weighted
// by EstimateNoise's noise levels): on Lorenz with 5% noise it brings the
// worst coefficient from about 8% to under 2% off. Refinement.Fixed holds
// known coefficients (the physics of a universal differential equation)
// while the discovered ones are re-estimated.
//
// Select sweeps the threshold and picks a model by BIC, AIC, AICc or the
// error of simulating held-out trajectories, scored on the regression.
//
// # Support search
//
// At higher noise the regression also errs on the support: the library is
// collinear along a trajectory (on Lorenz, y·z mimics y because z stays
// near its mean), and no threshold separates the true terms from their
// look-alikes on every noise draw. Settings.Search chooses the support by
// the likelihood of the data instead: candidate supports from a threshold
// sweep are fitted by simulation and compared by BIC on the residuals of
// the original samples, then improved stepwise with Wald (drop) and score
// (add) statistics of the multiple-shooting fit. On Lorenz with 5% noise
// in pysindy's convention (σ = 0.05 × the RMS of the data) it finds
// exactly the true terms on each of 50 noise draws (every coefficient
// within 5% on 49 of them), where a fixed threshold gets the support right
// on about half.
//
// # Results
//
// A Model prints its equations as pysindy does (Equations, String), keeps
// its coefficient matrix (Coef, one row per state), evaluates as an
// ode.System (System), simulates (Simulate, which reports divergence with
// its time instead of returning NaNs) and exports itself as a .node model
// with its coefficients as params (Node).
//
// # Example
//
//	m, err := sindy.Fit([]sindy.Trajectory{{T: ts, X: xs}}, &sindy.Settings{
//		Names:     []string{"x", "y", "z"},
//		Library:   sindy.Polynomial{Degree: 2},
//		Optimizer: sindy.STLSQ{Threshold: 0.1, Alpha: 0.05, Unbias: true},
//	})
//	fmt.Println(m)            // x' = -9.999 x + 9.999 y ...
//	src, err := m.Node("Lorenz", xs[0])
//
// For noisy data use the weak form with relative thresholds:
//
//	&sindy.Settings{
//		Weak:      &sindy.WeakForm{},
//		Optimizer: sindy.STLSQ{Threshold: 0.05, Relative: true, Unbias: true},
//		Refine:    &sindy.Refinement{},
//	}
//
// and when the support must be exact at higher noise, search it (a few
// hundred milliseconds on 5000 samples):
//
//	&sindy.Settings{
//		Weak:      &sindy.WeakForm{},
//		Optimizer: sindy.STLSQ{Threshold: 0.05, Relative: true, Unbias: true},
//		Search:    &sindy.Search{},
//	}
package sindy
