package ode

import (
	"fmt"
	"sort"
)

// MethodInfo describes a registered integration method.
type MethodInfo struct {
	Name  string
	Order int // classical order of the propagated solution
	// Fixed methods take Options.StepSize and no error control.
	Fixed bool
	// Stiff methods are implicit or linearly implicit and use a Jacobian.
	Stiff bool
	// Separable methods need a system implementing Separable.
	Separable   bool
	Description string

	newStepper func(n int) stepper
}

var methods = map[string]MethodInfo{}

// register adds a method; each method's file calls it from init.
func register(m MethodInfo) {
	if _, dup := methods[m.Name]; dup {
		panic("ode: method registered twice: " + m.Name)
	}
	methods[m.Name] = m
}

// Methods lists the registered methods, sorted by name.
func Methods() []MethodInfo {
	out := make([]MethodInfo, 0, len(methods))
	for _, m := range methods {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the method registered under name.
func Lookup(name string) (MethodInfo, error) {
	m, ok := methods[name]
	if !ok {
		return MethodInfo{}, fmt.Errorf("ode: unknown method %q", name)
	}
	return m, nil
}
