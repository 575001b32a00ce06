//go:build amd64 && !amd64.v3 && !amd64.v4

package ode

// contractsFMA reports whether the compiler may fuse a*b+c into one
// rounding (it does on arm64, ppc64, s390x and on amd64 from GOAMD64=v3).
const contractsFMA = false
