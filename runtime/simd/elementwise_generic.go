package simd

import "math"

// Pure-Go elementwise kernels (the Generic level). The exported wrappers
// in elementwise.go have checked that every input is at least len(dst)
// long.

func vaddGeneric(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

func vsubGeneric(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] - b[i]
	}
}

func vmulGeneric(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

func vdivGeneric(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] / b[i]
	}
}

func vmulAddGeneric(dst, a, b, c []float64) {
	a, b, c = a[:len(dst)], b[:len(dst)], c[:len(dst)]
	for i := range dst {
		dst[i] = math.FMA(a[i], b[i], c[i])
	}
}

func vscaleGeneric(dst []float64, alpha float64, a []float64) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = alpha * a[i]
	}
}

func vaddScalarGeneric(dst []float64, alpha float64, a []float64) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + alpha
	}
}

func vnegGeneric(dst, a []float64) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = -a[i]
	}
}

func vsquareGeneric(dst, a []float64) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * a[i]
	}
}
