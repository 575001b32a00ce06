package simd

// Vector exp, tanh, sigmoid and softplus over len(dst) elements: dst[i] =
// f(x[i]), x at least len(dst) long, dst may be x itself. Every level
// returns the same bits (the AVX2 kernels and the pure-Go code in
// vmath_generic.go evaluate the same expressions), so results do not
// depend on the CPU. Errors, measured against 200-bit references, are
// below 1 ulp for Exp and Tanh and below 1.5 ulp for Sigmoid and Softplus
// (see TestVMathAccuracy).

// VExp sets dst[i] = eˣ⁽ⁱ⁾ (+Inf above ≈709.78, 0 below ≈−745.13, NaN for
// NaN).
func VExp(dst, x []float64) { vmath(vmExp, "VExp", dst, x) }

// VTanh sets dst[i] = tanh x[i] (odd: the sign of ±0 is kept).
func VTanh(dst, x []float64) { vmath(vmTanh, "VTanh", dst, x) }

// VSigmoid sets dst[i] = 1/(1 + e^(−x[i])).
func VSigmoid(dst, x []float64) { vmath(vmSigmoid, "VSigmoid", dst, x) }

// VSoftplus sets dst[i] = log(1 + e^x[i]), computed as
// max(x, 0) + log1p(e^(−|x|)) so it neither overflows nor loses small
// values.
func VSoftplus(dst, x []float64) { vmath(vmSoftplus, "VSoftplus", dst, x) }

// Exp returns eˣ, bit for bit what VExp computes.
func Exp(x float64) float64 { return expKernel(x) }

type vmathFunc uint8

const (
	vmExp vmathFunc = iota
	vmTanh
	vmSigmoid
	vmSoftplus
)

func vmath(f vmathFunc, name string, dst, x []float64) {
	checkVector(name, "x", len(dst), x)
	n := len(dst)
	x = x[:n]
	if !(asmBuild && useAVX2) {
		vmathGeneric(f, dst, x)
		return
	}
	m := n &^ 3
	if m > 0 {
		vmathAVX2(f, dst[:m], x[:m])
	}
	if m < n {
		// The last one to three elements go through the same kernel in a
		// padded block.
		var buf [4]float64
		copy(buf[:], x[m:])
		vmathAVX2(f, buf[:], buf[:])
		copy(dst[m:], buf[:n-m])
	}
}

func vmathAVX2(f vmathFunc, dst, x []float64) {
	switch f {
	case vmExp:
		vexpAVX2(dst, x)
	case vmTanh:
		vtanhAVX2(dst, x)
	case vmSigmoid:
		vsigmoidAVX2(dst, x)
	default:
		vsoftplusAVX2(dst, x)
	}
}

func vmathGeneric(f vmathFunc, dst, x []float64) {
	x = x[:len(dst)]
	switch f {
	case vmExp:
		for i, v := range x {
			dst[i] = expKernel(v)
		}
	case vmTanh:
		for i, v := range x {
			dst[i] = tanhKernel(v)
		}
	case vmSigmoid:
		for i, v := range x {
			dst[i] = sigmoidKernel(v)
		}
	default:
		for i, v := range x {
			dst[i] = softplusKernel(v)
		}
	}
}
