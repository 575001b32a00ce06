package sde

import "github.com/nodekit/nodekit/runtime/ode"

// NoiseKind says how the diffusion g(t, y) multiplies the Wiener increments.
type NoiseKind int

const (
	// Diagonal noise: one Wiener process per component, and g_i depends on
	// y_i only: dy_i = f_i dt + g_i(t, y_i) dW_i. NoiseDim() == Dim().
	Diagonal NoiseKind = iota
	// Scalar noise: one Wiener process drives every component:
	// dy_i = f_i dt + g_i(t, y) dW. NoiseDim() == 1.
	Scalar
	// Additive noise: g depends on t only (not on y), a Dim×m matrix.
	Additive
	// General noise: g(t, y) is a full Dim×m matrix.
	General
)

// String returns the lower-case name of the kind.
func (k NoiseKind) String() string {
	switch k {
	case Diagonal:
		return "diagonal"
	case Scalar:
		return "scalar"
	case Additive:
		return "additive"
	case General:
		return "general"
	}
	return "unknown"
}

// System is an SDE dy = f(t, y) dt + g(t, y) dW. The embedded ode.System is
// the drift f. Whether the SDE is read in the Itô or the Stratonovich sense
// is decided by the method that solves it (see Methods).
type System interface {
	ode.System
	// Noise reports the shape of g.
	Noise() NoiseKind
	// NoiseDim is m, the number of independent Wiener processes
	// (Diagonal: Dim(); Scalar: 1).
	NoiseDim() int
	// Diffusion writes g(t, y) into g. Diagonal and Scalar: len(g) == Dim(),
	// g[i] multiplies dW_i (Diagonal) or the single dW (Scalar). Additive and
	// General: len(g) == Dim()*NoiseDim(), row-major, g[i*m+j] multiplies
	// dW_j in component i. It must not retain its arguments or allocate.
	Diffusion(t float64, y, g []float64)
}

// DiffusionDerivative is implemented by diagonal-noise systems that can
// evaluate dg (dg[i] = ∂g_i/∂y_i) exactly; Milstein uses it when present and a
// derivative-free (Runge–Kutta) correction otherwise.
type DiffusionDerivative interface {
	DiffusionDerivative(t float64, y, dg []float64)
}

// BatchSystem evaluates drift and diffusion for many paths at once, with the
// states stored structure-of-arrays: component i of path p is Y[i*paths+p].
// SolvePaths uses it when a system implements it; the result must equal
// calling Func and Diffusion path by path.
type BatchSystem interface {
	System
	// DriftBatch writes f(t, y_p) for every path: dY[i*paths+p].
	DriftBatch(t float64, Y, dY []float64, paths int)
	// DiffusionBatch writes g(t, y_p) for every path. Diagonal and Scalar:
	// G[i*paths+p]; Additive and General: G[(i*m+j)*paths+p].
	DiffusionBatch(t float64, Y, G []float64, paths int)
}

// Replicator is implemented by systems that are not safe for concurrent
// use (they keep scratch space): SolvePaths calls Replica once per
// goroutine and evaluates only the replica there. A replica must compute
// exactly what the original does.
type Replicator interface {
	Replica() System
}

// replicaOf returns a copy of sys for one goroutine.
func replicaOf(sys System) System {
	if r, ok := sys.(Replicator); ok {
		return r.Replica()
	}
	return sys
}

// Func adapts plain functions to System (and DiffusionDerivative when DG is
// set), as ode.Func does for ODEs.
type Func struct {
	N    int       // state dimension
	M    int       // Wiener dimension; ignored (derived) for Diagonal and Scalar
	Kind NoiseKind // shape of G
	F    func(t float64, y, dy []float64)
	G    func(t float64, y, g []float64)
	// DG, optional, writes ∂g_i/∂y_i (diagonal noise only).
	DG func(t float64, y, dg []float64)
}

// Dim returns the state dimension.
func (f *Func) Dim() int { return f.N }

// Func evaluates the drift.
func (f *Func) Func(t float64, y, dy []float64) { f.F(t, y, dy) }

// Noise returns the noise kind.
func (f *Func) Noise() NoiseKind { return f.Kind }

// NoiseDim returns the number of Wiener processes.
func (f *Func) NoiseDim() int {
	switch f.Kind {
	case Diagonal:
		return f.N
	case Scalar:
		return 1
	}
	return f.M
}

// Diffusion evaluates g.
func (f *Func) Diffusion(t float64, y, g []float64) { f.G(t, y, g) }

// diffusionDerivativeOf returns sys's exact ∂g_i/∂y_i, or nil.
func diffusionDerivativeOf(sys System) func(t float64, y, dg []float64) {
	if f, ok := sys.(*Func); ok {
		return f.DG
	}
	if d, ok := sys.(DiffusionDerivative); ok {
		return d.DiffusionDerivative
	}
	return nil
}

// gLen is the length of the diffusion buffer for a noise kind.
func gLen(k NoiseKind, n, m int) int {
	if k == Diagonal || k == Scalar {
		return n
	}
	return n * m
}

// addNoise does out[i] += Σ_j g_ij dw_j for the noise kind.
func addNoise(k NoiseKind, n, m int, g, dw, out []float64) {
	switch k {
	case Diagonal:
		dw = dw[:n]
		g = g[:n]
		for i := range out[:n] {
			out[i] += g[i] * dw[i]
		}
	case Scalar:
		w := dw[0]
		for i := range out[:n] {
			out[i] += g[i] * w
		}
	default:
		for i := range out[:n] {
			row := g[i*m : i*m+m]
			s := 0.0
			for j, w := range dw[:m] {
				s += row[j] * w
			}
			out[i] += s
		}
	}
}
