package simd

import (
	"errors"
	"fmt"
	"math"
)

// Activation names an elementwise nonlinearity of a dense layer.
//
// Identity, ReLU, the forward passes of Tanh, Sigmoid and Softplus (VTanh,
// VSigmoid, VSoftplus: below 1.7 ulp, the same bits on every level) and
// the derivative products of Tanh and Sigmoid are vectorised; ELU, GELU
// and Sin run the scalar math package.
type Activation uint8

const (
	Identity Activation = iota // z
	Tanh                       // tanh z
	ReLU                       // z if z ≥ 0 or NaN, else 0 (computed as (0 > z) ? 0 : z)
	Softplus                   // log(1 + eᶻ), overflow-safe
	Sigmoid                    // 1 / (1 + e⁻ᶻ)
	ELU                        // z if z > 0, else eᶻ − 1
	GELU                       // z·Φ(z) with the exact normal CDF Φ
	Sin                        // sin z
	numActivations
)

var activationNames = [...]string{"identity", "tanh", "relu", "softplus", "sigmoid", "elu", "gelu", "sin"}

// String returns the activation's lower-case name.
func (a Activation) String() string {
	if a < numActivations {
		return activationNames[a]
	}
	return fmt.Sprintf("Activation(%d)", uint8(a))
}

// ParseActivation returns the activation with the given lower-case name.
func ParseActivation(name string) (Activation, error) {
	for i, s := range activationNames {
		if s == name {
			return Activation(i), nil
		}
	}
	return 0, fmt.Errorf("%w: %q", ErrActivation, name)
}

// ErrActivation is returned by ParseActivation for an unknown name.
var ErrActivation = errors.New("simd: unknown activation")

const invSqrt2 = 0.70710678118654752440
const invSqrt2Pi = 0.39894228040143267794

// Apply returns the activation of z; for Tanh, Sigmoid and Softplus it is
// bit for bit what VTanh, VSigmoid and VSoftplus compute.
func (a Activation) Apply(z float64) float64 {
	switch a {
	case Identity:
		return z
	case Tanh:
		return tanhKernel(z)
	case ReLU:
		if 0 > z {
			return 0
		}
		return z
	case Softplus:
		// log(1+eᶻ) = max(z,0) + log1p(e^-|z|)
		return softplusKernel(z)
	case Sigmoid:
		return sigmoidKernel(z)
	case ELU:
		if z > 0 {
			return z
		}
		return math.Expm1(z)
	case GELU:
		return 0.5 * z * math.Erfc(-z*invSqrt2)
	case Sin:
		return math.Sin(z)
	}
	panic(fmt.Sprintf("simd: unknown activation %d", uint8(a)))
}

// Deriv returns the derivative of the activation at z, where y = Apply(z)
// (passed so that Tanh, Sigmoid and ELU need no transcendental call).
// ReLU's derivative at 0 is taken as 0.
func (a Activation) Deriv(z, y float64) float64 {
	switch a {
	case Identity:
		return 1
	case Tanh:
		return math.FMA(-y, y, 1)
	case ReLU:
		if z > 0 {
			return 1
		}
		return 0
	case Softplus:
		return Sigmoid.Apply(z)
	case Sigmoid:
		return math.FMA(-y, y, y)
	case ELU:
		if z > 0 {
			return 1
		}
		return y + 1
	case GELU:
		return 0.5*math.Erfc(-z*invSqrt2) + z*invSqrt2Pi*math.Exp(-0.5*z*z)
	case Sin:
		return math.Cos(z)
	}
	panic(fmt.Sprintf("simd: unknown activation %d", uint8(a)))
}

// Deriv2 returns the second derivative of the activation at z, where
// y = Apply(z); second-order autodiff (e.g. gradients of Jacobian-vector
// products in continuous normalising flows) needs it.
func (a Activation) Deriv2(z, y float64) float64 {
	switch a {
	case Identity, ReLU:
		return 0
	case Tanh:
		return -2 * y * (1 - y*y)
	case Softplus:
		s := Sigmoid.Apply(z)
		return s * (1 - s)
	case Sigmoid:
		return y * (1 - y) * (1 - 2*y)
	case ELU:
		if z > 0 {
			return 0
		}
		return y + 1
	case GELU:
		return invSqrt2Pi * math.Exp(-0.5*z*z) * (2 - z*z)
	case Sin:
		return -y
	}
	panic(fmt.Sprintf("simd: unknown activation %d", uint8(a)))
}

// BiasAct is the fused output stage of a dense layer over a rows×cols
// row-major block (stride cols): for every row r and column j
//
//	z[r·cols+j] += bias[j]      (skipped when bias is nil)
//	out[r·cols+j] = act(z[r·cols+j])
//
// so z keeps the pre-activation the backward pass needs. out may be the
// same slice as z when the pre-activation is not needed afterwards.
func BiasAct(act Activation, bias, z, out []float64, rows, cols int) {
	if act >= numActivations {
		panic(fmt.Sprintf("simd: BiasAct: unknown activation %d", uint8(act)))
	}
	if rows < 0 || cols < 0 {
		panic(fmt.Sprintf("simd: BiasAct: negative shape %d×%d", rows, cols))
	}
	n := rows * cols
	checkVector("BiasAct", "z", n, z)
	checkVector("BiasAct", "out", n, out)
	if bias != nil {
		checkVector("BiasAct", "bias", cols, bias)
		bias = bias[:cols]
	}
	avx2 := asmBuild && useAVX2
	for r := range rows {
		zr := z[r*cols : (r+1)*cols]
		or := out[r*cols : (r+1)*cols]
		switch {
		case avx2 && act == ReLU && bias != nil:
			addBiasReLUAVX2(bias, zr, or)
			continue
		case bias == nil:
		case avx2:
			addBiasAVX2(bias, zr)
		default:
			for j, b := range bias {
				zr[j] += b
			}
		}
		applyRow(act, zr, or)
	}
}

// applyRow sets out = act(z) elementwise (z and out have equal length).
func applyRow(act Activation, z, out []float64) {
	out = out[:len(z)]
	switch act {
	case Identity:
		copy(out, z)
	case ReLU:
		for j, v := range z {
			if 0 > v {
				v = 0
			}
			out[j] = v
		}
	case Tanh:
		VTanh(out, z)
	case Sigmoid:
		VSigmoid(out, z)
	case Softplus:
		VSoftplus(out, z)
	default:
		for j, v := range z {
			out[j] = act.Apply(v)
		}
	}
}

// ActBackward multiplies the upstream gradient by the activation's
// derivative, elementwise over len(out):
//
//	out[i] = g[i] · act'(z[i])
//
// where z is the pre-activation and y = act(z) the forward output (both as
// left by BiasAct; Identity and ReLU read only z or nothing, Tanh and
// Sigmoid read only y, but both must be long enough). out may be the same
// slice as g.
func ActBackward(act Activation, z, y, g, out []float64) {
	if act >= numActivations {
		panic(fmt.Sprintf("simd: ActBackward: unknown activation %d", uint8(act)))
	}
	n := len(out)
	checkVector("ActBackward", "z", n, z)
	checkVector("ActBackward", "y", n, y)
	checkVector("ActBackward", "g", n, g)
	z, y, g = z[:n], y[:n], g[:n]
	avx2 := asmBuild && useAVX2
	switch act {
	case Identity:
		copy(out, g)
	case ReLU:
		if avx2 {
			reluBackwardAVX2(z, g, out)
			return
		}
		for i, v := range z {
			if v > 0 {
				out[i] = g[i]
			} else {
				out[i] = 0
			}
		}
	case Tanh:
		if avx2 {
			tanhBackwardAVX2(y, g, out)
			return
		}
		for i, v := range y {
			out[i] = math.FMA(-v, v, 1) * g[i]
		}
	case Sigmoid:
		if avx2 {
			sigmoidBackwardAVX2(y, g, out)
			return
		}
		for i, v := range y {
			out[i] = math.FMA(-v, v, v) * g[i]
		}
	default:
		for i := range out {
			out[i] = g[i] * act.Deriv(z[i], y[i])
		}
	}
}
