package codegen

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/nodekit/nodekit/dsl"
)

// A scope emits straight-line Go code for IR nodes: every interior node
// that some root needs becomes one temporary, in topological order, once
// (the IR is hash-consed, so this is common-subexpression elimination).
// Leaves are rendered inline by the scope's callbacks.
type scope struct {
	g    *gen
	w    *bytes.Buffer
	done map[*dsl.Expr]string

	// state renders the flat state component i (i < Dim); the adjoint
	// seed placeholder a_i (OpState with Index ≥ Dim) is rendered as
	// seed[i].
	state func(i int) string
	seed  string
	// param renders declared parameter component i.
	param func(i int) string
	// time renders t.
	time string
	// netOut renders output o of net k, after fwd(k) has run.
	netOut func(k, o int) string
	// net steps, each emitted at most once when first needed: the
	// forward pass, the input Jacobian, the backward pass (VJP), the
	// input Hessian and the second-order backward pass (VJP through the
	// input Jacobian).
	fwdDone, jacDone, bwdDone, hessDone, bwd2Done map[int]bool
	fwd, jac, bwd, hess, bwd2                     func(s *scope, k int)
}

func (g *gen) newScope(w *bytes.Buffer) *scope {
	s := &scope{
		g: g, w: w, done: map[*dsl.Expr]string{},
		state:   func(i int) string { return "y[" + strconv.Itoa(i) + "]" },
		seed:    "a",
		param:   g.paramRef,
		time:    "t",
		fwdDone: map[int]bool{}, jacDone: map[int]bool{}, bwdDone: map[int]bool{},
		hessDone: map[int]bool{}, bwd2Done: map[int]bool{},
	}
	s.netOut = func(k, o int) string { return fmt.Sprintf("m.n%dy[%d]", k, o) }
	s.fwd = (*scope).scalarFwd
	s.jac = (*scope).scalarJac
	s.bwd = func(s *scope, k int) { panic("codegen: internal error: net backward outside VJP") }
	s.bwd2 = func(s *scope, k int) { panic("codegen: internal error: net second-order backward outside VJP") }
	s.hess = (*scope).scalarHess
	return s
}

// child returns a scope writing to w that shares what s has already
// emitted (for code nested in a block of s's code).
func (s *scope) child(w *bytes.Buffer) *scope {
	c := *s
	c.w = w
	c.done = make(map[*dsl.Expr]string, len(s.done))
	for k, v := range s.done {
		c.done[k] = v
	}
	c.fwdDone, c.jacDone, c.bwdDone = copySet(s.fwdDone), copySet(s.jacDone), copySet(s.bwdDone)
	c.hessDone, c.bwd2Done = copySet(s.hessDone), copySet(s.bwd2Done)
	return &c
}

func copySet(m map[int]bool) map[int]bool {
	c := make(map[int]bool, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func (s *scope) printf(format string, args ...any) { fmt.Fprintf(s.w, format, args...) }

// atom returns a Go operand (a temporary, a leaf or a literal) for e,
// emitting whatever e needs first.
func (s *scope) atom(e *dsl.Expr) string {
	if r, ok := s.done[e]; ok {
		return r
	}
	var r string
	switch e.Op {
	case dsl.OpConst:
		r = number(e.Value)
	case dsl.OpTime:
		r = s.time
	case dsl.OpState:
		if e.Index >= s.g.dim {
			r = s.seed + "[" + strconv.Itoa(e.Index-s.g.dim) + "]"
		} else {
			r = s.state(e.Index)
		}
	case dsl.OpParam:
		r = s.param(e.Index)
	case dsl.OpNet:
		if !s.fwdDone[e.Index] {
			s.fwdDone[e.Index] = true
			s.fwd(s, e.Index)
		}
		r = s.netOut(e.Index, e.Out)
	case dsl.OpNetJac:
		if e.Out == -1 { // adjoint placeholder: gx of the net's backward pass
			if !s.bwdDone[e.Index] {
				s.bwdDone[e.Index] = true
				s.bwd(s, e.Index)
			}
			r = fmt.Sprintf("m.n%dgx[%d]", e.Index, e.In)
			break
		}
		if e.Out == -2 { // adjoint placeholder: the second-order backward pass
			if !s.bwd2Done[e.Index] {
				s.bwd2Done[e.Index] = true
				s.bwd2(s, e.Index)
			}
			r = fmt.Sprintf("m.n%dhgx[%d]", e.Index, e.In)
			break
		}
		if !s.jacDone[e.Index] {
			s.jacDone[e.Index] = true
			s.jac(s, e.Index)
		}
		r = fmt.Sprintf("m.n%djac[%d]", e.Index, e.Out*len(s.g.nets[e.Index].Inputs)+e.In)
	case dsl.OpNetHess:
		if !s.hessDone[e.Index] {
			s.hessDone[e.Index] = true
			s.hess(s, e.Index)
		}
		in := len(s.g.nets[e.Index].Inputs)
		r = fmt.Sprintf("m.n%dhess[%d]", e.Index, (e.Out*in+e.In)*in+e.In2)
	default:
		args := make([]string, len(e.Args))
		for i, a := range e.Args {
			args[i] = s.atom(a)
		}
		r = "v" + strconv.Itoa(e.ID)
		s.printf("%s := %s\n", r, s.g.apply(e, args))
	}
	s.done[e] = r
	return r
}

// apply renders e's operation on already-rendered operands.
func (g *gen) apply(e *dsl.Expr, a []string) string {
	switch e.Op {
	case dsl.OpNeg:
		return "-" + a[0]
	case dsl.OpAdd:
		return a[0] + " + " + a[1]
	case dsl.OpSub:
		return a[0] + " - " + a[1]
	case dsl.OpMul:
		return a[0] + " * " + a[1]
	case dsl.OpDiv:
		return a[0] + " / " + a[1]
	case dsl.OpPow:
		if e.Args[1].IsConst(2) { // as the interpreter does
			return a[0] + " * " + a[0]
		}
		return "math.Pow(" + a[0] + ", " + a[1] + ")"
	case dsl.OpLT, dsl.OpLE, dsl.OpGT, dsl.OpGE, dsl.OpEQ, dsl.OpNE:
		g.helpers["b2f"] = true
		return "m.b2f(" + a[0] + " " + e.Op.String() + " " + a[1] + ")"
	case dsl.OpSin:
		return "math.Sin(" + a[0] + ")"
	case dsl.OpCos:
		return "math.Cos(" + a[0] + ")"
	case dsl.OpTan:
		return "math.Tan(" + a[0] + ")"
	case dsl.OpExp:
		return "math.Exp(" + a[0] + ")"
	case dsl.OpLog:
		return "math.Log(" + a[0] + ")"
	case dsl.OpSqrt:
		return "math.Sqrt(" + a[0] + ")"
	case dsl.OpAbs:
		return "math.Abs(" + a[0] + ")"
	case dsl.OpTanh:
		return "math.Tanh(" + a[0] + ")"
	case dsl.OpSigmoid, dsl.OpSoftplus, dsl.OpRelu, dsl.OpSign:
		name := e.Op.String()
		g.helpers[name] = true
		return "m." + name + "(" + a[0] + ")"
	case dsl.OpMin:
		return "math.Min(" + a[0] + ", " + a[1] + ")"
	case dsl.OpMax:
		return "math.Max(" + a[0] + ", " + a[1] + ")"
	case dsl.OpIfElse:
		g.helpers["ifelse"] = true
		return "m.ifelse(" + a[0] + ", " + a[1] + ", " + a[2] + ")"
	}
	panic("codegen: internal error: cannot emit " + e.Op.String())
}

// scalarFwd evaluates net k on one sample.
func (s *scope) scalarFwd(k int) {
	n := s.g.nets[k]
	ins := make([]string, len(n.Inputs))
	for i, in := range n.Inputs {
		ins[i] = s.atom(in)
	}
	for i, v := range ins {
		s.printf("m.n%dx[%d] = %s\n", k, i, v)
	}
	s.printf("m.n%d.Forward(m.n%dx, m.n%dy, 1)\n", k, k, k)
}

// scalarJac fills m.n<k>jac with ∂output/∂input (row-major Out×In) by one
// backward pass per output.
func (s *scope) scalarJac(k int) {
	if !s.fwdDone[k] {
		s.fwdDone[k] = true
		s.fwd(s, k)
	}
	n := s.g.nets[k]
	in := len(n.Inputs)
	s.printf("for o := range %d {\n", n.Out)
	s.printf("clear(m.n%dgy)\nm.n%dgy[o] = 1\n", k, k)
	s.printf("m.n%d.Backward(m.n%dgy, m.n%djac[o*%d:(o+1)*%d], nil)\n}\n", k, k, k, in, in)
}

// scalarHess fills m.n<k>hess with the input Hessians of every output,
// hess[(o*In+i)*In+l] = ∂²U_o/∂x_i∂x_l, by one second-order product per
// (o, l): the gradient of e_oᵀ(∂U/∂x)·e_l with respect to x.
func (s *scope) scalarHess(k int) {
	if !s.fwdDone[k] { // sets the net's inputs m.n<k>x
		s.fwdDone[k] = true
		s.fwd(s, k)
	}
	n := s.g.nets[k]
	in := len(n.Inputs)
	s.printf("for o := range %d {\nclear(m.n%dgdy)\nm.n%dgdy[o] = 1\n", n.Out, k, k)
	s.printf("for l := range %d {\nclear(m.n%ddx)\nm.n%ddx[l] = 1\n", in, k, k)
	s.printf("row := (o*%d + l) * %d\n", in, in)
	s.printf("m.n%d.VJPJVP(m.n%dx, m.n%ddx, nil, m.n%dgdy, m.n%dhess[row:row+%d], nil, nil, 1)\n}\n}\n", k, k, k, k, k, in)
}
