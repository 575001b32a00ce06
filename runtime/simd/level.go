package simd

import (
	"errors"
	"os"
	"strconv"
	"strings"

	"github.com/klauspost/cpuid/v2"
)

// ISA names an implementation level of the kernels.
type ISA uint8

const (
	// Generic is the pure-Go implementation; it runs everywhere.
	Generic ISA = iota
	// AVX2 is the AVX2+FMA3 assembly implementation (amd64 only).
	AVX2
)

// String returns the level's name as accepted by NODEKIT_SIMD.
func (l ISA) String() string {
	switch l {
	case Generic:
		return "generic"
	case AVX2:
		return "avx2"
	}
	return "ISA(" + strconv.Itoa(int(l)) + ")"
}

// EnvVar is the environment variable read at start-up to force a lower
// level: NODEKIT_SIMD=generic. An unknown or unsupported value is ignored
// (the best level runs).
const EnvVar = "NODEKIT_SIMD"

// ErrUnsupported is returned by SetLevel for a level that this CPU or build
// cannot run.
var ErrUnsupported = errors.New("simd: level not supported by this CPU or build")

// useAVX2 selects the assembly kernels. It is written only by SetLevel and
// start-up, never concurrently with kernel calls.
var useAVX2 bool

func init() { detect() }

// detect picks the best supported level, lowered by NODEKIT_SIMD if set.
// Tests call it again after re-running cpuid detection with -cpu.disable.
func detect() {
	useAVX2 = Supported(AVX2)
	if l, ok := parseLevel(os.Getenv(EnvVar)); ok && l < Best() {
		useAVX2 = l == AVX2
	}
}

// parseLevel maps a level name (case-insensitive) to its ISA.
func parseLevel(s string) (ISA, bool) {
	s = strings.TrimSpace(strings.ToLower(s))
	for _, l := range []ISA{Generic, AVX2} {
		if l.String() == s {
			return l, true
		}
	}
	return 0, false
}

// Supported reports whether this CPU and build can run level l.
func Supported(l ISA) bool {
	switch l {
	case Generic:
		return true
	case AVX2:
		return asmBuild && cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3)
	}
	return false
}

// Levels returns the levels this CPU and build can run, lowest first.
func Levels() []ISA {
	ls := []ISA{Generic}
	if Supported(AVX2) {
		ls = append(ls, AVX2)
	}
	return ls
}

// Best returns the highest level this CPU and build can run.
func Best() ISA {
	ls := Levels()
	return ls[len(ls)-1]
}

// Level returns the level the kernels currently run.
func Level() ISA {
	if useAVX2 {
		return AVX2
	}
	return Generic
}

// SetLevel makes the kernels run level l. It must not be called
// concurrently with kernel calls; it is meant for tests, benchmarks and
// start-up configuration.
func SetLevel(l ISA) error {
	if !Supported(l) {
		return ErrUnsupported
	}
	useAVX2 = l == AVX2
	return nil
}
