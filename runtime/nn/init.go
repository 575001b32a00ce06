package nn

import (
	"math"
	"math/rand/v2"
)

// NewRNG returns a reproducible random number generator: a PCG source
// seeded from seed. The same seed always gives the same parameters.
func NewRNG(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// GlorotUniform fills w with U(−a, a), a = √(6/(fanIn+fanOut))
// (Glorot & Bengio 2010; torch.nn.init.xavier_uniform_).
func GlorotUniform(w []float64, fanIn, fanOut int, rng *rand.Rand) {
	a := math.Sqrt(6 / float64(fanIn+fanOut))
	for i := range w {
		w[i] = a * (2*rng.Float64() - 1)
	}
}

// GlorotNormal fills w with N(0, 2/(fanIn+fanOut)).
func GlorotNormal(w []float64, fanIn, fanOut int, rng *rand.Rand) {
	Normal(w, math.Sqrt(2/float64(fanIn+fanOut)), rng)
}

// HeNormal fills w with N(0, 2/fanIn) (He et al. 2015; kaiming_normal_ for
// ReLU).
func HeNormal(w []float64, fanIn int, rng *rand.Rand) {
	Normal(w, math.Sqrt(2/float64(fanIn)), rng)
}

// HeUniform fills w with U(−a, a), a = √(6/fanIn).
func HeUniform(w []float64, fanIn int, rng *rand.Rand) {
	a := math.Sqrt(6 / float64(fanIn))
	for i := range w {
		w[i] = a * (2*rng.Float64() - 1)
	}
}

// Normal fills w with N(0, σ²).
func Normal(w []float64, sigma float64, rng *rand.Rand) {
	for i := range w {
		w[i] = sigma * rng.NormFloat64()
	}
}

// Zeros sets every element of w to zero.
func Zeros(w []float64) { clear(w) }

// Init names a weight initialiser for builders such as NewMLPWith.
type Init int

// The initialisers a builder can apply to weight matrices (biases are
// always zero).
const (
	InitGlorotUniform Init = iota
	InitGlorotNormal
	InitHeNormal
	InitHeUniform
	InitNormal // N(0, σ²) with σ from the builder's options
	InitZeros
)

func (in Init) fill(w []float64, fanIn, fanOut int, sigma float64, rng *rand.Rand) {
	switch in {
	case InitGlorotUniform:
		GlorotUniform(w, fanIn, fanOut, rng)
	case InitGlorotNormal:
		GlorotNormal(w, fanIn, fanOut, rng)
	case InitHeNormal:
		HeNormal(w, fanIn, rng)
	case InitHeUniform:
		HeUniform(w, fanIn, rng)
	case InitNormal:
		Normal(w, sigma, rng)
	case InitZeros:
		Zeros(w)
	default:
		panic("nn: unknown initialiser")
	}
}
