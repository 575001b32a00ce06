package adjoint

// Continuous extensions of the Runge–Kutta methods whose dense output is
// a linear combination of the stages, y(t₀+θh) = y₀ + h Σ wᵢ(θ) kᵢ. They
// repeat runtime/ode's interpolants (Shampine's for dopri5, Tsitouras's
// for tsit5) so the discrete adjoint can differentiate the observations
// that fall inside a step. Methods without one are solved one observation
// interval at a time instead.

func denseWeights(method string) func(theta float64, w []float64) {
	switch method {
	case "dopri5":
		return dopri5Dense
	case "tsit5":
		return tsit5Dense
	}
	return nil
}

func dopri5Dense(theta float64, w []float64) {
	b := &dopri5B
	t1 := 1 - theta
	p1 := theta
	p2 := theta * t1
	p3 := theta * theta * t1
	p4 := p3 * t1
	for i := range w {
		w[i] = b[i]*(p1-p2+2*p3) + dopri5D[i]*p4
	}
	w[0] += p2 - p3
	w[6] -= p3
}

var dopri5B = [7]float64{35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0}

var dopri5D = [7]float64{
	-12715105075.0 / 11282082432, 0, 87487479700.0 / 32700410799,
	-10690763975.0 / 1880347072, 701980252875.0 / 199316789632,
	-1453857185.0 / 822651844, 69997945.0 / 29380423,
}

func tsit5Dense(theta float64, w []float64) {
	for i := range w {
		r := &tsit5R[i]
		w[i] = theta * (r[0] + theta*(r[1]+theta*(r[2]+theta*r[3])))
	}
}

var tsit5R = [7][4]float64{
	{1, -2.763706197274826, 2.9132554618219126, -1.0530884977290216},
	{0, 0.13169999999999998, -0.2234, 0.1017},
	{0, 3.9302962368947516, -5.941033872131505, 2.490627285651253},
	{0, -12.411077166933676, 30.33818863028232, -16.548102889244902},
	{0, 37.50931341651104, -88.1789048947664, 47.37952196281928},
	{0, -27.896526289197286, 65.09189467479366, -34.87065786149661},
	{0, 1.5, -4, 2.5},
}
