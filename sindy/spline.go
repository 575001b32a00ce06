package sindy

import "fmt"

// SmoothingSpline differentiates the cubic smoothing spline g that
// minimises Σ (x_i − g(t_i))² + Lambda·∫ g”(t)² dt over the samples
// (Reinsch's algorithm, O(n), any grid). Lambda 0 gives the natural cubic
// interpolating spline; larger values smooth more. Lambda has units of
// time³, so scale it with the sampling interval.
type SmoothingSpline struct {
	Lambda float64
}

// Differentiate implements Differentiator.
func (sp SmoothingSpline) Differentiate(dst, t, x []float64) error {
	if sp.Lambda < 0 || !finite(sp.Lambda) {
		return fmt.Errorf("%w: smoothing-spline Lambda %g", ErrSettings, sp.Lambda)
	}
	checkLens(dst, t, x)
	n := len(t)
	if n < 3 {
		return fmt.Errorf("%w: %d samples for a smoothing spline", ErrTooFewSamples, n)
	}
	h := make([]float64, n-1)
	for i := range h {
		h[i] = t[i+1] - t[i]
	}
	// Interior second derivatives γ_1..γ_{n−2} solve (R + λ QᵀQ) γ = Qᵀx
	// (Green & Silverman, Nonparametric Regression, §2.3). Q has three
	// nonzeros per column: q(j−1) = 1/h_{j−1}, q(j) = −1/h_{j−1} − 1/h_j,
	// q(j+1) = 1/h_j for column j = 1..n−2.
	m := n - 2
	A := newBand(m, 2)
	qcol := func(j int) (float64, float64, float64) { // column j+1 of Q
		return 1 / h[j], -1/h[j] - 1/h[j+1], 1 / h[j+1]
	}
	g := make([]float64, m)
	for j := range m {
		a, b, c := qcol(j)
		A.add(j, j, (h[j]+h[j+1])/3+sp.Lambda*(a*a+b*b+c*c))
		if j+1 < m {
			a2, b2, _ := qcol(j + 1) // column j+1 spans rows j+1..j+3
			A.add(j+1, j, h[j+1]/6+sp.Lambda*(b*a2+c*b2))
		}
		if j+2 < m {
			a3, _, _ := qcol(j + 2)
			A.add(j+2, j, sp.Lambda*c*a3)
		}
		g[j] = a*x[j] + b*x[j+1] + c*x[j+2]
	}
	if !A.cholesky() {
		return fmt.Errorf("%w: smoothing-spline system", ErrSingular)
	}
	A.solve(g)
	// Fitted values f = x − λ Q γ, with γ_0 = γ_{n−1} = 0.
	f := make([]float64, n)
	copy(f, x)
	if sp.Lambda != 0 {
		for j := range m {
			a, b, c := qcol(j)
			f[j] -= sp.Lambda * a * g[j]
			f[j+1] -= sp.Lambda * b * g[j]
			f[j+2] -= sp.Lambda * c * g[j]
		}
	}
	gam := func(i int) float64 {
		if i == 0 || i == n-1 {
			return 0
		}
		return g[i-1]
	}
	for i := range n - 1 {
		dst[i] = (f[i+1]-f[i])/h[i] - h[i]*(2*gam(i)+gam(i+1))/6
	}
	dst[n-1] = (f[n-1]-f[n-2])/h[n-2] + h[n-2]*(gam(n-2)+2*gam(n-1))/6
	return nil
}
