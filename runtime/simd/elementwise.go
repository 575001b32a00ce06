package simd

// Elementwise kernels over len(dst) elements: the batched
// (structure-of-arrays) forms of generated code call them, one operation
// over a whole batch at a time. Inputs must be at least len(dst) long; only
// their first len(dst) elements are read. dst may be the same slice as any
// input (in place), but must not overlap an input at an offset.
//
// Every level computes the same correctly rounded operation per element, so
// results are bit for bit the same on every CPU. VMulAdd is one fused
// multiply-add (a·b + c rounded once) on every level: the pure-Go code uses
// math.FMA.

// VAdd sets dst[i] = a[i] + b[i].
func VAdd(dst, a, b []float64) {
	checkVector("VAdd", "a", len(dst), a)
	checkVector("VAdd", "b", len(dst), b)
	if asmBuild && useAVX2 {
		vaddAVX2(dst, a, b)
		return
	}
	vaddGeneric(dst, a, b)
}

// VSub sets dst[i] = a[i] − b[i].
func VSub(dst, a, b []float64) {
	checkVector("VSub", "a", len(dst), a)
	checkVector("VSub", "b", len(dst), b)
	if asmBuild && useAVX2 {
		vsubAVX2(dst, a, b)
		return
	}
	vsubGeneric(dst, a, b)
}

// VMul sets dst[i] = a[i] · b[i].
func VMul(dst, a, b []float64) {
	checkVector("VMul", "a", len(dst), a)
	checkVector("VMul", "b", len(dst), b)
	if asmBuild && useAVX2 {
		vmulAVX2(dst, a, b)
		return
	}
	vmulGeneric(dst, a, b)
}

// VDiv sets dst[i] = a[i] / b[i].
func VDiv(dst, a, b []float64) {
	checkVector("VDiv", "a", len(dst), a)
	checkVector("VDiv", "b", len(dst), b)
	if asmBuild && useAVX2 {
		vdivAVX2(dst, a, b)
		return
	}
	vdivGeneric(dst, a, b)
}

// VMulAdd sets dst[i] = a[i]·b[i] + c[i], rounded once (a fused
// multiply-add, as math.FMA).
func VMulAdd(dst, a, b, c []float64) {
	checkVector("VMulAdd", "a", len(dst), a)
	checkVector("VMulAdd", "b", len(dst), b)
	checkVector("VMulAdd", "c", len(dst), c)
	if asmBuild && useAVX2 {
		vmulAddAVX2(dst, a, b, c)
		return
	}
	vmulAddGeneric(dst, a, b, c)
}

// VScale sets dst[i] = alpha · a[i].
func VScale(dst []float64, alpha float64, a []float64) {
	checkVector("VScale", "a", len(dst), a)
	if asmBuild && useAVX2 {
		vscaleAVX2(dst, alpha, a)
		return
	}
	vscaleGeneric(dst, alpha, a)
}

// VAddScalar sets dst[i] = a[i] + alpha.
func VAddScalar(dst []float64, alpha float64, a []float64) {
	checkVector("VAddScalar", "a", len(dst), a)
	if asmBuild && useAVX2 {
		vaddScalarAVX2(dst, alpha, a)
		return
	}
	vaddScalarGeneric(dst, alpha, a)
}

// VNeg sets dst[i] = −a[i] (the sign bit flipped, NaN included).
func VNeg(dst, a []float64) {
	checkVector("VNeg", "a", len(dst), a)
	if asmBuild && useAVX2 {
		vnegAVX2(dst, a)
		return
	}
	vnegGeneric(dst, a)
}

// VSquare sets dst[i] = a[i] · a[i].
func VSquare(dst, a []float64) {
	checkVector("VSquare", "a", len(dst), a)
	if asmBuild && useAVX2 {
		vsquareAVX2(dst, a)
		return
	}
	vsquareGeneric(dst, a)
}
