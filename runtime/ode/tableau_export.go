package ode

// ButcherTableau is the public, read-only view of an explicit Runge–Kutta
// method, for packages that differentiate through the solver's steps
// (discrete adjoints) or generate code for it.
type ButcherTableau struct {
	Name  string
	Order int
	C     []float64
	A     [][]float64 // A[i] holds the i coefficients of stage i
	B     []float64   // weights of the propagated solution
	// E are the weights of the error estimate h·Σ E_i k_i; nil for
	// fixed-step methods.
	E    []float64
	FSAL bool
	// Dense, when not nil, writes the weights of the method's own
	// continuous extension: y(t0+θh) = y0 + h Σ w_i(θ) k_i (dopri5,
	// tsit5). Methods without one interpolate with the cubic Hermite
	// polynomial through the step's ends.
	Dense func(theta float64, w []float64)
}

// Tableau returns the Butcher tableau of the explicit Runge–Kutta method
// name (euler, midpoint, heun, rk4, rk38, bosh3, dopri5, tsit5). It
// returns false for methods that are not plain tableaux (dop853's error
// estimate and the implicit, multistep and symplectic methods). The
// returned slices are copies.
func Tableau(name string) (ButcherTableau, bool) {
	var tab *tableau
	switch name {
	case "bosh3":
		tab = bosh3
	case "dopri5":
		tab = dopri5
	case "tsit5":
		tab = tsit5
	default:
		for _, t := range fixedTableaux {
			if t.name == name {
				tab = t
			}
		}
	}
	if tab == nil {
		return ButcherTableau{}, false
	}
	bt := ButcherTableau{Name: tab.name, Order: tab.order, FSAL: tab.fsal, Dense: tab.dense,
		C: append([]float64(nil), tab.c...), B: append([]float64(nil), tab.b...)}
	if tab.e != nil {
		bt.E = append([]float64(nil), tab.e...)
	}
	for _, row := range tab.a {
		bt.A = append(bt.A, append([]float64(nil), row...))
	}
	return bt, true
}
