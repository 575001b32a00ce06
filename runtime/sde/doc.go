// Package sde solves stochastic differential equations
//
//	dy = f(t, y) dt + g(t, y) dW
//
// with Itô and Stratonovich methods, fixed or adaptive steps, on Brownian
// paths that can be queried on any interval, forwards or backwards.
//
// # Systems
//
// A System is an ode.System (the drift f) plus a diffusion g of one of four
// shapes (NoiseKind): Diagonal (one Wiener process per component, g_i
// depends on y_i only), Scalar (one Wiener process for all components),
// Additive (a Dim×m matrix depending on t only) and General (a Dim×m matrix
// g(t, y)). Func adapts plain functions. Systems that can evaluate drift and
// diffusion for many paths at once implement BatchSystem (structure of
// arrays) and SolvePaths uses it.
//
// # Brownian paths
//
// BrownianTree is a virtual Brownian tree: W and the space-time Lévy area on
// any interval, reproducible from a seed, in any query order, with O(m)
// memory; adaptive solvers can reject a step and retry a smaller one on the
// same path, and adjoint methods can walk the path backwards. BrownianGrid
// pre-samples increments on a fixed grid and is the fast path for fixed
// steps. Both are LevyPaths: the order-1.5 methods need
// I_(1,0) = ∫(W(r) − W(s)) dr, obtained from the Lévy area.
//
// # Methods
//
//	euler            Itô        strong 0.5  weak 1   all noise kinds (fixed step only)
//	milstein         Itô        strong 1    weak 1   diagonal, scalar, additive
//	sriw1            Itô        strong 1.5  weak 2   diagonal, scalar (Rößler 2010 SRI1W1)
//	sra1, sra3       Itô/Strat  strong 1.5  weak 2   additive (Rößler 2010)
//	euler_heun       Strat.     strong 1*   weak 1   all
//	heun, midpoint   Strat.     strong 1*   weak 1   all (weak 2 for additive noise)
//	reversible_heun  Strat.     strong 1*            all, algebraically reversible
//
// (*) with commutative noise (diagonal, scalar, additive); 0.5 for general
// non-commutative noise, as no Lévy areas between different Wiener
// processes are sampled. The measured orders are asserted in the tests.
//
// Adaptive stepping (Options.Adaptive) estimates the local error by step
// doubling on the Brownian tree. Euler–Maruyama is excluded: Itô–Euler sums
// over partitions chosen by looking at the increments converge to the wrong
// limit. Reversible Heun is stable only near the imaginary axis (Kidger et
// al. 2021), so on strongly dissipative systems use small steps or another
// method; its StepBack reconstructs the forward trajectory.
//
// # Solving
//
// Solve(sys, y0, ts, bm, opts) integrates one path and returns the state at
// each save time; a Solver reuses its workspace so repeated solves allocate
// nothing. SolvePaths(sys, y0, ts, paths, seed, opts) solves many paths in
// parallel and returns the mean and the 5/50/95% quantiles at each save time
// (and every path with Options.KeepPaths); its results depend on the seed
// only, not on the number of goroutines. A failed solve returns a
// *SolveError naming the method, t, h and (for SolvePaths) the path.
// SolvePaths evaluates the system from several goroutines; a system with
// scratch space implements Replicator to give each its own copy.
//
// # Gradients
//
// A Differentiable system exposes vector–Jacobian products of its drift
// and diffusion. AdjointGradient(sys, y0, ts, bm, dLdy, gy0, gp, opts) is
// the stochastic adjoint of Li et al. (2020): the adjoint SDE is solved
// backwards on the same Brownian path, for a loss on the states at every
// save time (dLdy gives ∂L/∂y(ts[k]); the adjoint jumps there). It works in
// the Stratonovich calculus; ItoToStratonovich converts a diagonal-noise
// Itô system (drift f − ½ g ∂g/∂y). With reversible_heun (the default)
// the forward path is reconstructed exactly by StepBack and the gradient
// equals the discretise-then-optimise gradient to rounding (measured
// ≤ 2e-15 relative); with heun or midpoint the state is solved backwards
// with the adjoint and the gradient converges to the discrete one with
// order 1 as Dt → 0 (measured relative difference 4e-4 on GBM and 1e-4 on
// a cubic system at Dt = 1/512). DiscreteGradient (euler, heun,
// reversible_heun) stores the trajectory and backpropagates through the
// solver: the exact reference. Gradient is the single-loss-time form.
package sde
