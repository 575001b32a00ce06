package sde

import (
	"math"
	"math/bits"
)

// splitmix64 is one step of SplitMix64: a bijective 64-bit mixer used to
// derive independent generator states from (seed, key) pairs.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// rng is xoshiro256++ with a ziggurat normal sampler. It is a value type so
// a solver can keep one per goroutine or per tree node on the stack; it
// allocates nothing. Streams are derived from (seed, key) with SplitMix64,
// so results are reproducible on every platform (the ziggurat tables are
// built once with math.Exp/Log; the fast path uses only integer arithmetic
// and one multiplication).
type rng struct{ s0, s1, s2, s3 uint64 }

// newRNG returns the generator for stream key of seed.
func newRNG(seed, key uint64) rng {
	x := splitmix64(seed ^ splitmix64(key^0x5851f42d4c957f2d))
	var r rng
	x = splitmix64(x)
	r.s0 = x
	x = splitmix64(x)
	r.s1 = x
	x = splitmix64(x)
	r.s2 = x
	x = splitmix64(x)
	r.s3 = x
	if r.s0|r.s1|r.s2|r.s3 == 0 {
		r.s0 = 1
	}
	return r
}

func (r *rng) uint64() uint64 {
	out := bits.RotateLeft64(r.s0+r.s3, 23) + r.s0
	t := r.s1 << 17
	r.s2 ^= r.s0
	r.s3 ^= r.s1
	r.s1 ^= r.s2
	r.s0 ^= r.s3
	r.s2 ^= t
	r.s3 = bits.RotateLeft64(r.s3, 45)
	return out
}

// float64 returns a uniform number in (0, 1).
func (r *rng) float64() float64 {
	return (float64(r.uint64()>>11) + 0.5) * (1.0 / (1 << 53))
}

// Ziggurat tables (Marsaglia & Tsang 2000, 128 layers).
const zigR = 3.442619855899

var (
	zigK [128]uint32
	zigW [128]float64
	zigF [128]float64
)

func init() {
	const m1 = 2147483648.0
	dn := zigR
	tn := dn
	vn := 9.91256303526217e-3
	q := vn / math.Exp(-0.5*dn*dn)
	zigK[0] = uint32((dn / q) * m1)
	zigK[1] = 0
	zigW[0] = q / m1
	zigW[127] = dn / m1
	zigF[0] = 1
	zigF[127] = math.Exp(-0.5 * dn * dn)
	for i := 126; i >= 1; i-- {
		dn = math.Sqrt(-2 * math.Log(vn/dn+math.Exp(-0.5*dn*dn)))
		zigK[i+1] = uint32((dn / tn) * m1)
		tn = dn
		zigF[i] = math.Exp(-0.5 * dn * dn)
		zigW[i] = dn / m1
	}
}

// norm returns a standard normal number.
func (r *rng) norm() float64 {
	for {
		u := r.uint64()
		j := int32(uint32(u))
		i := (u >> 32) & 127
		x := float64(j) * zigW[i]
		aj := uint32(j)
		if j < 0 {
			aj = uint32(-int64(j))
		}
		if aj < zigK[i] {
			return x
		}
		if v, ok := r.normSlow(j, i, x); ok {
			return v
		}
	}
}

// normSlow handles the ziggurat's tail and wedges (about 1% of draws).
func (r *rng) normSlow(j int32, i uint64, x float64) (float64, bool) {
	if i == 0 {
		for {
			x = -math.Log(r.float64()) / zigR
			y := -math.Log(r.float64())
			if y+y >= x*x {
				break
			}
		}
		if j > 0 {
			return zigR + x, true
		}
		return -zigR - x, true
	}
	if zigF[i]+r.float64()*(zigF[i-1]-zigF[i]) < math.Exp(-0.5*x*x) {
		return x, true
	}
	return 0, false
}

// fillNorm writes standard normals scaled by s into dst: the same numbers
// as calling norm len(dst) times, with the generator state kept in
// registers on the fast path.
func (r *rng) fillNorm(dst []float64, s float64) {
	s0, s1, s2, s3 := r.s0, r.s1, r.s2, r.s3
	for i := range dst {
		for {
			u := bits.RotateLeft64(s0+s3, 23) + s0
			t := s1 << 17
			s2 ^= s0
			s3 ^= s1
			s1 ^= s2
			s0 ^= s3
			s2 ^= t
			s3 = bits.RotateLeft64(s3, 45)
			j := int32(uint32(u))
			k := (u >> 32) & 127
			x := float64(j) * zigW[k]
			m := j >> 31
			if uint32((j^m)-m) < zigK[k] {
				dst[i] = s * x
				break
			}
			r.s0, r.s1, r.s2, r.s3 = s0, s1, s2, s3
			v, ok := r.normSlow(j, k, x)
			s0, s1, s2, s3 = r.s0, r.s1, r.s2, r.s3
			if ok {
				dst[i] = s * v
				break
			}
		}
	}
	r.s0, r.s1, r.s2, r.s3 = s0, s1, s2, s3
}
