package adjoint

import "github.com/nodekit/nodekit/runtime/ode"

// denseWeights returns the continuous extension of the Runge–Kutta methods
// whose dense output is a linear combination of the stages,
// y(t₀+θh) = y₀ + h Σ wᵢ(θ) kᵢ (dopri5, tsit5), so the discrete adjoint can
// differentiate the observations that fall inside a step. Methods without
// one are solved one observation interval at a time instead.
func denseWeights(method string) func(theta float64, w []float64) {
	tab, ok := ode.Tableau(method)
	if !ok {
		return nil
	}
	return tab.Dense
}
