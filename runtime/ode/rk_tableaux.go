package ode

// The explicit Runge–Kutta methods, as data. Coefficients are from the
// original papers: Dormand & Prince (1980) with Shampine's (1986) dense
// output as in Hairer's DOPRI5; Tsitouras (2011) with his interpolant;
// Bogacki & Shampine (1989).

func init() {
	fixed := []struct {
		name, desc string
		tab        *tableau
	}{
		{"euler", "explicit Euler, order 1", &tableau{
			name: "euler", order: 1,
			c: []float64{0}, a: [][]float64{{}}, b: []float64{1},
		}},
		{"midpoint", "explicit midpoint rule, order 2", &tableau{
			name: "midpoint", order: 2,
			c: []float64{0, 0.5}, a: [][]float64{{}, {0.5}}, b: []float64{0, 1},
		}},
		{"heun", "Heun's method (explicit trapezoidal), order 2", &tableau{
			name: "heun", order: 2,
			c: []float64{0, 1}, a: [][]float64{{}, {1}}, b: []float64{0.5, 0.5},
		}},
		{"rk4", "classic fourth-order Runge–Kutta", &tableau{
			name: "rk4", order: 4,
			c: []float64{0, 0.5, 0.5, 1},
			a: [][]float64{{}, {0.5}, {0, 0.5}, {0, 0, 1}},
			b: []float64{1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6},
		}},
		{"rk38", "Kutta's 3/8 rule, order 4", &tableau{
			name: "rk38", order: 4,
			c: []float64{0, 1.0 / 3, 2.0 / 3, 1},
			a: [][]float64{{}, {1.0 / 3}, {-1.0 / 3, 1}, {1, -1, 1}},
			b: []float64{1.0 / 8, 3.0 / 8, 3.0 / 8, 1.0 / 8},
		}},
	}
	for _, m := range fixed {
		tab := m.tab
		fixedTableaux = append(fixedTableaux, tab)
		register(MethodInfo{Name: m.name, Order: tab.order, Fixed: true, Description: m.desc,
			newStepper: func(n int) stepper { return newRK(tab, n) }})
	}
	for _, tab := range []*tableau{bosh3, dopri5, tsit5} {
		tab := tab
		register(MethodInfo{Name: tab.name, Order: tab.order, Description: tab.desc(),
			newStepper: func(n int) stepper { return newRK(tab, n) }})
	}
}

// fixedTableaux lists the fixed-step tableaux (for Tableau).
var fixedTableaux []*tableau

func (t *tableau) desc() string {
	switch t.name {
	case "bosh3":
		return "Bogacki–Shampine 3(2), FSAL, cubic Hermite dense output"
	case "dopri5":
		return "Dormand–Prince 5(4), FSAL, Shampine's 4th-order dense output"
	case "tsit5":
		return "Tsitouras 5(4), FSAL, 4th-order dense output"
	}
	return t.name
}

var bosh3 = &tableau{
	name: "bosh3", order: 3, fsal: true,
	c: []float64{0, 0.5, 0.75, 1},
	a: [][]float64{{}, {0.5}, {0, 0.75}, {2.0 / 9, 1.0 / 3, 4.0 / 9}},
	b: []float64{2.0 / 9, 1.0 / 3, 4.0 / 9, 0},
	// b − b̂ with b̂ = (7/24, 1/4, 1/3, 1/8)
	e:    []float64{2.0/9 - 7.0/24, 1.0/3 - 1.0/4, 4.0/9 - 1.0/3, -1.0 / 8},
	ctrl: controller{q: 3, beta: 0.04, safe: 0.9, facMin: 0.2, facMax: 10},
}

var dopri5 = &tableau{
	name: "dopri5", order: 5, fsal: true, stiffCheck: true,
	c: []float64{0, 0.2, 0.3, 0.8, 8.0 / 9, 1, 1},
	a: [][]float64{
		{},
		{0.2},
		{3.0 / 40, 9.0 / 40},
		{44.0 / 45, -56.0 / 15, 32.0 / 9},
		{19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
		{9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
		{35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84},
	},
	b:     dopri5B[:],
	e:     []float64{71.0 / 57600, 0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40},
	ctrl:  hairer5,
	dense: dopri5Dense,
}

// dopri5Dense gives the weights of Hairer's CONTD5:
//
//	y(θ) = y0 + θ·Δ + θ(1−θ)(h k1 − Δ) + θ²(1−θ)(2Δ − h k1 − h k7) + θ²(1−θ)²·h Σ d_i k_i
//
// with Δ = h Σ b_i k_i.
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

var tsit5 = &tableau{
	name: "tsit5", order: 5, fsal: true, stiffCheck: true,
	c: []float64{0, 0.161, 0.327, 0.9, 0.9800255409045097, 1, 1},
	a: [][]float64{
		{},
		{0.161},
		{-0.008480655492356989, 0.335480655492357},
		{2.897153057105493, -6.359448489975075, 4.3622954328695815},
		{5.325864828439257, -11.748883564062828, 7.4955393428898365, -0.09249506636175525},
		{5.86145544294642, -12.92096931784711, 8.159367898576159, -0.071584973281401, -0.028269050394068383},
		{0.09646076681806523, 0.01, 0.4798896504144996, 1.379008574103742, -3.290069515436081, 2.324710524099774},
	},
	b: []float64{0.09646076681806523, 0.01, 0.4798896504144996, 1.379008574103742, -3.290069515436081, 2.324710524099774, 0},
	e: []float64{-0.00178001105222577714, -0.0008164344596567469, 0.007880878010261995, -0.1447110071732629,
		0.5823571654525552, -0.45808210592918697, 1.0 / 66},
	ctrl:  hairer5,
	dense: tsit5Dense,
}

// tsit5Dense evaluates Tsitouras's interpolation weights
// b_i(θ) = r_i1 θ + r_i2 θ² + r_i3 θ³ + r_i4 θ⁴.
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
