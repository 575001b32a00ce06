// Package hnn implements Hamiltonian neural networks (Greydanus, Dzamba
// and Yosinski, "Hamiltonian Neural Networks", NeurIPS 2019): an MLP
// learns a scalar energy H_θ(q, p), and the dynamics are Hamilton's
// equations of that energy,
//
//	q' = ∂H_θ/∂p,   p' = −∂H_θ/∂q,   i.e.   ẋ = J ∇H_θ(x),  J = [[0, I], [−I, 0]],
//
// so every trajectory of the learned model conserves H_θ exactly (up to
// the integrator) instead of drifting, as an unconstrained neural ODE
// ẋ = f_θ(x) trained on the same data does.
//
//	m := hnn.New(1, []int{32, 32}, nn.Tanh)      // one degree of freedom
//	loss, err := m.Train(x, dx, &hnn.TrainOptions{Epochs: 200})
//	sol, err := ode.Solve(m, []float64{1, 0}, ts, nil)
//	e := m.Energy([]float64{q, p})
//
// # Training
//
// The data are samples x_r = (q_r, p_r) with their time derivatives
// ẋ_r = (dq/dt, dp/dt), row after row. The loss is the mean squared error
// of the vector field,
//
//	L(θ) = (1/N) Σ_r ‖J ∇H_θ(x_r) − ẋ_r‖²,
//
// which contains the input gradient of the net; its gradient with respect
// to θ is a second derivative of the net, computed exactly (no finite
// differences) by runtime/nn's second-order product: with
// w_r = Jᵀ ∂L/∂f_r, ∂L/∂θ = Σ_r ∂/∂θ [(∂H_θ/∂x)(x_r)·w_r], one VJPJVP over
// the whole minibatch. Train runs minibatch epochs with any runtime/nn
// optimiser (Adam by default).
//
// Baseline is the neural ODE ẋ = f_θ(x) trained on the same samples with
// the same loss and the same Train loop, for comparisons such as the
// energy drift of long rollouts (see the tests and examples/hnn).
//
// Both are ode.Systems (and ode.Differentiable, with the exact
// vector–Jacobian product of the learned field), so runtime/ode rolls
// them out and runtime/adjoint can train them on trajectories. A .node
// model can declare the same network in one line:
//
//	net H = mlp(q, p; hidden = [32, 32], act = tanh, out = 1)
//	hamiltonian = H
package hnn
