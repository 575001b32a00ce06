// Package cnf implements continuous normalizing flows (FFJORD, Grathwohl
// et al. 2019) on nodekit's runtime: a network f(z, t; θ) moves data x =
// z(0) to z(T) along dz/dt = f, and the instantaneous change of variables
// gives the exact log-likelihood
//
//	log p(x) = log N(z(T); 0, I) + ∫₀ᵀ tr(∂f/∂z)(z(t), t) dt.
//
// # The augmented system
//
// Field is the ODE that is actually solved: for a batch of B samples the
// state is [z₁ … z_B, Δ₁ … Δ_B] with dΔ/dt = −tr(∂f/∂z) and Δ(0) = 0, so
// log p(x) = log N(z(T)) − Δ(T). The whole minibatch is one system solved
// with one adaptive step sequence, the network evaluated batch-wise.
//
// The divergence is computed in one of two ways (TraceMode):
//
//   - Hutchinson: εᵀ(∂f/∂z)ε with one probe ε per sample (Rademacher or
//     Gaussian, Noise), held fixed for the whole solve: one forward-mode
//     pass (nn's JVP) per evaluation. E[εεᵀ] = I makes the log-likelihood,
//     and its gradient, unbiased.
//   - Exact: Σₖ eₖᵀ(∂f/∂z)eₖ, one forward-mode pass per dimension, for
//     the 2-D toys and for checking the Hutchinson path.
//
// Gradients go through the solve with runtime/adjoint (backsolve by
// default): the augmented system's vector–Jacobian product needs the
// gradient of εᵀ(∂f/∂z)ε with respect to z and θ, a second-order
// quantity that nn provides by forward-over-reverse differentiation
// (Sequential.JVP then BackwardJVP, the pair behind HutchinsonVJP).
//
// # Use
//
//	flow, err := cnf.New(cnf.Config{Hidden: []int{64, 64, 64}, Seed: 1})
//	grad := make([]float64, len(flow.Params()))
//	opt := nn.NewAdam(1e-2)
//	for it := range iters {
//		cnf.Toy("8gaussians", 256, rng, x)
//		nll, err := flow.NLL(x, 256, grad) // −mean log p and its gradient
//		opt.Step(flow.Params(), grad)
//	}
//	flow.Trace = cnf.Exact
//	err = flow.LogProb(grid, n, logp)         // log-density on a grid
//	err = flow.SampleNormal(rng, 1000, samples) // z ~ N(0, I), solved from T back to 0
//
// Toy generates FFJORD's 2-D data sets (8gaussians, moons, pinwheel,
// circles, checkerboard) from a seeded generator.
package cnf
