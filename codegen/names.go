package codegen

import (
	"fmt"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Only these shapes of text from a model ever reach generated code: a Go
// identifier (strictly ASCII), a state or output name (an identifier with
// optional trailing apostrophes, emitted only inside a strconv.Quote'd
// literal) and numbers formatted by strconv.
var (
	identRE     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	stateNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*'*$`)
)

// predeclared holds Go's predeclared identifiers; a package name must not
// shadow them.
var predeclared = map[string]bool{
	"any": true, "bool": true, "byte": true, "comparable": true, "complex64": true,
	"complex128": true, "error": true, "float32": true, "float64": true, "int": true,
	"int8": true, "int16": true, "int32": true, "int64": true, "rune": true, "string": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true,
	"true": true, "false": true, "iota": true, "nil": true, "append": true, "cap": true,
	"clear": true, "close": true, "complex": true, "copy": true, "delete": true, "imag": true,
	"len": true, "make": true, "max": true, "min": true, "new": true, "panic": true,
	"print": true, "println": true, "real": true, "recover": true,
}

// importNames are the package names generated code may import; a package
// named like one of them would shadow it.
var importNames = map[string]bool{"math": true, "nn": true, "ode": true, "sde": true, "simd": true, "unsafe": true}

// reservedMethods are the exported methods every generated type may have;
// parameter fields must not collide with them (fields and methods share a
// namespace).
var reservedMethods = map[string]bool{
	"Dim": true, "Func": true, "Jac": true, "VJP": true, "DfDt": true, "Autonomous": true,
	"Params": true, "ParamNames": true, "NumParams": true, "InitialState": true, "StateNames": true,
	"FuncBatch": true, "FuncSoA": true, "Clone": true, "NumOutputs": true, "OutputNames": true,
	"Outputs": true, "Noise": true, "NoiseDim": true, "Diffusion": true,
	"DiffusionDerivative": true, "DriftBatch": true, "DiffusionBatch": true,
	"Hamiltonian": true, "Velocity": true, "Force": true, "Replica": true,
}

// checkIdent checks a name that reaches generated code only upper-cased
// (so a Go keyword is fine: `func` becomes Func).
func checkIdent(what, s string) error {
	if !identRE.MatchString(s) {
		return fmt.Errorf("%w: %s %q", ErrIdentifier, what, s)
	}
	return nil
}

func checkPackage(s string) error {
	if err := checkIdent("package name", s); err != nil {
		return err
	}
	if token.IsKeyword(s) || s == "_" || predeclared[s] || importNames[s] {
		return fmt.Errorf("%w: package name %q shadows a name the generated code uses", ErrIdentifier, s)
	}
	return nil
}

// exported upper-cases the first letter of an identifier; a leading
// underscore gets an X in front.
func exported(s string) string {
	if s[0] == '_' {
		return "X" + s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// quoteName returns a checked state/output name (plus an optional "[i]"
// suffix) as a Go string literal.
func quoteName(what, name string, idx int) (string, error) {
	if !stateNameRE.MatchString(name) {
		return "", fmt.Errorf("%w: %s %q", ErrIdentifier, what, name)
	}
	if idx >= 0 {
		name += "[" + strconv.Itoa(idx) + "]"
	}
	return strconv.Quote(name), nil
}

// sanitizeSource reduces a source file name to its base name with every
// character outside [A-Za-z0-9_.+-] replaced by '_', so that it can sit
// inside the generated header comment.
func sanitizeSource(src string) string {
	if src == "" {
		return "a .node file"
	}
	base := filepath.Base(filepath.ToSlash(src))
	var b strings.Builder
	for _, r := range base {
		switch {
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.+-", r)):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// number renders a float64 as a Go expression of type float64 (or an
// untyped constant that converts to it exactly).
func number(v float64) string {
	switch {
	case v != v:
		return "math.NaN()"
	case v > 1.7976931348623157e308:
		return "math.Inf(1)"
	case v < -1.7976931348623157e308:
		return "math.Inf(-1)"
	}
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if v < 0 || (v == 0 && 1/v < 0) {
		if v == 0 {
			return "math.Copysign(0, -1)"
		}
		return "(" + s + ")"
	}
	return s
}
