// Package anode implements augmented neural ODEs (Dupont, Doucet and Teh,
// "Augmented Neural ODEs", NeurIPS 2019) on nodekit's runtime.
//
// A Model lifts an input x ∈ ℝᵈ to h(0) = [x, 0] ∈ ℝᵈ⁺ᵖ (p zero
// augmented dimensions), integrates the autonomous field dh/dt = f(h; θ),
// an MLP, from 0 to T, and reads out y = W h(T) + b. With p = 0 it is a
// plain neural ODE. The flow of an ODE is a homeomorphism, so a plain
// model cannot make trajectories cross: in 1-D it keeps the order of the
// points, and the nested-intervals function g of Dupont et al. (−1 for
// |x| ≤ R1, +1 for R2 ≤ |x| ≤ R3; Nested generates it in any dimension)
// cannot be classified better than about two thirds. One augmented
// dimension is enough.
//
// A minibatch is solved as one system (runtime/train's NeuralField), and
// LossGrad returns the loss of the read-out and its gradient with respect
// to all parameters, vector field and read-out, through the solve with
// runtime/adjoint:
//
//	m, err := anode.New(anode.Config{InDim: 1, Augment: 1, Hidden: []int{16}})
//	loss := anode.Logistic(labels) // labels ±1
//	grad := make([]float64, len(m.Params()))
//	l, err := m.LossGrad(x, n, loss, grad)
//	opt.Step(m.Params(), grad)
//	err = m.Predict(xTest, nTest, out) // W h(T) + b
package anode
