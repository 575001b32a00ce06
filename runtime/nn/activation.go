package nn

import (
	"fmt"
	"math"
	"strings"

	"github.com/nodekit/nodekit/runtime/simd"
)

// Activation names an element-wise nonlinearity.
type Activation int

// The activations. Identity is the zero value.
const (
	Identity Activation = iota
	Tanh
	ReLU
	Softplus
	Sigmoid
	ELU  // x for x > 0, eˣ − 1 otherwise (α = 1)
	GELU // exact: x·Φ(x) with Φ the standard normal CDF
	Sin
	GaussianRBF // exp(−x²)
	numActivations
)

var activationNames = [...]string{
	Identity:    "identity",
	Tanh:        "tanh",
	ReLU:        "relu",
	Softplus:    "softplus",
	Sigmoid:     "sigmoid",
	ELU:         "elu",
	GELU:        "gelu",
	Sin:         "sin",
	GaussianRBF: "rbf",
}

// String returns the name ParseActivation accepts.
func (a Activation) String() string {
	if a < 0 || a >= numActivations {
		return fmt.Sprintf("Activation(%d)", int(a))
	}
	return activationNames[a]
}

// ParseActivation returns the activation with the given name. Names are
// case-insensitive; "linear" and "none" mean Identity, "gaussian" and
// "gaussian_rbf" mean GaussianRBF, "swish" is not supported.
func ParseActivation(name string) (Activation, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "linear", "none", "id":
		return Identity, nil
	case "gaussian", "gaussian_rbf", "gaussianrbf":
		return GaussianRBF, nil
	}
	for i, s := range activationNames {
		if s == n {
			return Activation(i), nil
		}
	}
	return Identity, fmt.Errorf("%w: %q (want one of %s)", ErrUnknownActivation, name, strings.Join(activationNames[:], ", "))
}

const invSqrt2 = 1 / math.Sqrt2

var invSqrt2Pi = 1 / math.Sqrt(2*math.Pi)

// Eval returns σ(x). Tanh, Sigmoid and Softplus are simd's vector
// kernels (below 1.7 ulp, the same bits on every CPU), so Eval agrees bit
// for bit with a layer's batched forward pass.
func (a Activation) Eval(x float64) float64 {
	switch a {
	case Identity:
		return x
	case Tanh:
		return simd.Tanh.Apply(x)
	case ReLU:
		if x > 0 {
			return x
		}
		return 0
	case Softplus:
		return simd.Softplus.Apply(x)
	case Sigmoid:
		return simd.Sigmoid.Apply(x)
	case ELU:
		if x > 0 {
			return x
		}
		return math.Expm1(x)
	case GELU:
		return 0.5 * x * (1 + math.Erf(x*invSqrt2))
	case Sin:
		return math.Sin(x)
	case GaussianRBF:
		return math.Exp(-x * x)
	}
	panic("nn: invalid activation " + a.String())
}

// Deriv returns σ′(x) given x and y = σ(x).
func (a Activation) Deriv(x, y float64) float64 {
	switch a {
	case Identity:
		return 1
	case Tanh:
		return 1 - y*y
	case ReLU:
		if x > 0 {
			return 1
		}
		return 0
	case Softplus:
		return simd.Sigmoid.Apply(x)
	case Sigmoid:
		return y * (1 - y)
	case ELU:
		if x > 0 {
			return 1
		}
		return y + 1
	case GELU:
		return 0.5*(1+math.Erf(x*invSqrt2)) + x*invSqrt2Pi*math.Exp(-0.5*x*x)
	case Sin:
		return math.Cos(x)
	case GaussianRBF:
		return -2 * x * y
	}
	panic("nn: invalid activation " + a.String())
}

// Deriv2 returns σ″(x) given x and y = σ(x). ReLU's second derivative is
// taken as 0 everywhere (its first derivative is piecewise constant).
func (a Activation) Deriv2(x, y float64) float64 {
	switch a {
	case Identity, ReLU:
		return 0
	case Tanh:
		return -2 * y * (1 - y*y)
	case Softplus:
		s := simd.Sigmoid.Apply(x)
		return s * (1 - s)
	case Sigmoid:
		d := y * (1 - y)
		return d * (1 - 2*y)
	case ELU:
		if x > 0 {
			return 0
		}
		return y + 1
	case GELU:
		return invSqrt2Pi * math.Exp(-0.5*x*x) * (2 - x*x)
	case Sin:
		return -y
	case GaussianRBF:
		return (4*x*x - 2) * y
	}
	panic("nn: invalid activation " + a.String())
}

// sigmoid is the scalar definition from the math package (the GRU's
// gates use it).
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// apply writes y[i] = σ(x[i]). The switch sits outside the loop so each
// case is a tight loop the compiler can optimise.
func (a Activation) apply(x, y []float64) {
	y = y[:len(x)]
	switch a {
	case Identity:
		copy(y, x)
	case Tanh:
		simd.VTanh(y, x)
	case Sigmoid:
		simd.VSigmoid(y, x)
	case Softplus:
		simd.VSoftplus(y, x)
	case ReLU:
		for i, v := range x {
			y[i] = max(v, 0)
		}
	case Sin:
		for i, v := range x {
			y[i] = math.Sin(v)
		}
	default:
		for i, v := range x {
			y[i] = a.Eval(v)
		}
	}
}

// backward writes gx[i] = σ′(x[i])·gy[i]. Tanh, Sigmoid and ReLU run
// simd's vector kernels (the same products, with 1 − y² and y − y² each
// rounded once by a fused multiply-add).
func (a Activation) backward(x, y, gy, gx []float64) {
	gx = gx[:len(x)]
	y = y[:len(x)]
	gy = gy[:len(x)]
	switch a {
	case Identity:
		copy(gx, gy)
	case Tanh:
		simd.ActBackward(simd.Tanh, x, y, gy, gx)
	case Sigmoid:
		simd.ActBackward(simd.Sigmoid, x, y, gy, gx)
	case ReLU:
		simd.ActBackward(simd.ReLU, x, y, gy, gx)
	default:
		for i, v := range x {
			gx[i] = a.Deriv(v, y[i]) * gy[i]
		}
	}
}
