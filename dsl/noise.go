package dsl

import (
	"strconv"

	"github.com/alecthomas/participle/v2/lexer"
)

// General noise: `wiener w[m]` declares m independent Wiener processes
// and every `noise x = …` line is then a linear combination of their
// increments, Σ_j g_xj·w[j]. While the model is checked, w[j] is the
// placeholder leaf State(Dim+j) (the states end at Dim), which only noise
// lines may use; the coefficient g_xj is the symbolic derivative of the
// line with respect to that leaf, after a structural check that the line
// is linear in the placeholders. No placeholder reaches the checked model.

// declareWiener checks a `wiener` declaration and gives its symbol the
// placeholder leaves of its columns.
func (mc *modelChecker) declareWiener(s *symbol) {
	c, m, d := mc.c, mc.m, s.decl
	s.resolved = true
	if d.Value != nil {
		c.errorf(ErrInvalid, d.Value.Position(), "wiener %s takes no value: it declares Wiener processes (wiener %s[m] for m of them)", d.Name, d.Name)
		return
	}
	n, ok := mc.size(d)
	if !ok {
		return
	}
	vec := n > 0
	if n == 0 {
		n = 1
	}
	off := 0
	if k := len(m.Wieners); k > 0 {
		off = m.Wieners[k-1].Offset + m.Wieners[k-1].Size
	}
	if off+n > maxSize {
		c.errorf(ErrInvalid, d.Pos, "too many Wiener processes (%d > %d)", off+n, maxSize)
		return
	}
	m.Wieners = append(m.Wieners, &Wiener{Name: d.Name, Pos: d.Pos, Offset: off, Size: n, Vector: vec})
	v := value{vec: vec}
	for i := 0; i < n; i++ {
		v.e = append(v.e, mc.b.State(m.Dim+off+i))
	}
	s.val = v
}

// generalNoise lowers the noise lines of a model with wiener declarations
// to the Dim×m matrix and classifies it.
func (mc *modelChecker) generalNoise(noises []*Decl) {
	c, m, b := mc.c, mc.m, mc.b
	last := m.Wieners[len(m.Wieners)-1]
	nw := last.Offset + last.Size
	if m.Dim*nw > maxNoise {
		c.errorf(ErrInvalid, m.Wieners[0].Pos, "noise matrix too large (%d states × %d Wiener processes)", m.Dim, nw)
		return
	}
	isW := func(e *Expr) bool { return e.Op == OpState && e.Index >= m.Dim }
	mat := make([]*Expr, m.Dim*nw)
	nPos := make([]lexer.Position, m.Dim)
	nerr := len(c.errs)
	mc.inNoise = true
	for _, d := range noises {
		mc.noise(d, nPos, func(row int, e *Expr) bool {
			coef, problem := linearIn(b, e, isW, m.Nets)
			if problem != "" {
				c.errorf(ErrInvalid, startPos(d.Value), "noise for %s is not linear in the Wiener increments: %s", d.Name, problem)
				return false
			}
			for leaf, g := range coef {
				if DependsOn(g, isW) { // linearIn guarantees otherwise
					c.errorf(ErrInvalid, d.Value.Position(), "noise for %s: internal error: coefficient depends on a Wiener increment", d.Name)
					return false
				}
				mat[row*nw+leaf.Index-m.Dim] = g
			}
			return true
		})
	}
	mc.inNoise = false
	zero := b.Const(0)
	for i, g := range mat {
		if g == nil {
			mat[i] = zero
		}
	}
	// Every declared process must drive something (unless a noise line
	// failed: it may have been meant to use it).
	for _, w := range m.Wieners {
		if len(c.errs) > nerr {
			break
		}
		for j := w.Offset; j < w.Offset+w.Size; j++ {
			used := false
			for i := 0; i < m.Dim; i++ {
				used = used || !mat[i*nw+j].IsConst(0)
			}
			if !used {
				name := w.Name
				if w.Vector {
					name += "[" + strconv.Itoa(j-w.Offset) + "]"
				}
				c.errorf(ErrInvalid, w.Pos, "Wiener process %s drives no state: use it in a noise line (noise x = σ*%s) or remove it", name, name)
				break
			}
		}
	}
	m.Noise, m.NoiseDim = mat, nw
	stateDep := false
	for _, g := range mat {
		stateDep = stateDep || DependsOn(g, func(l *Expr) bool {
			return l.Op == OpState || l.Op == OpNet || l.Op == OpNetJac || l.Op == OpNetHess
		})
	}
	switch {
	case !stateDep:
		m.NoiseKind = NoiseAdditive
	case nw == 1:
		m.NoiseKind = NoiseScalar
	default:
		m.NoiseKind = NoiseGeneral
	}
}

// linClass says how an expression depends on the Wiener placeholders.
type linClass uint8

const (
	linFree   linClass = iota // no placeholder
	linHom                    // Σ c_j w_j with c_j free of placeholders
	linAffine                 // linHom plus a term without placeholders
	linBad                    // not linear
)

// linearIn writes e = Σ_j c_j·w_j, where the w_j are the leaves for which
// isW is true, and returns the c_j by leaf (none when e is 0). problem
// says, when e is not of that form, why not. nets are the model's, for
// expressions that contain neural terms (whose inputs never contain a
// w_j).
func linearIn(b *Builder, e *Expr, isW func(*Expr) bool, nets []*Net) (map[*Expr]*Expr, string) {
	memo := map[*Expr]linClass{}
	problem := ""
	bad := func(why string) linClass {
		if problem == "" {
			problem = why
		}
		return linBad
	}
	// join is the class of a sum (or of the branches of an ifelse).
	join := func(x, y *Expr, cx, cy linClass) linClass {
		switch {
		case cx == cy:
			return cx
		case cx == linFree && x.IsConst(0):
			return cy
		case cy == linFree && y.IsConst(0):
			return cx
		}
		return linAffine
	}
	var class func(e *Expr) linClass
	class = func(e *Expr) linClass {
		if r, ok := memo[e]; ok {
			return r
		}
		var r linClass
		cs := make([]linClass, len(e.Args))
		dep := false
		for i, a := range e.Args {
			cs[i] = class(a)
			if cs[i] == linBad {
				memo[e] = linBad
				return linBad
			}
			dep = dep || cs[i] != linFree
		}
		switch {
		case e.Op.IsLeaf():
			if isW(e) {
				r = linHom
			}
		case !dep:
			r = linFree
		case e.Op == OpNeg:
			r = cs[0]
		case e.Op == OpAdd || e.Op == OpSub:
			r = join(e.Args[0], e.Args[1], cs[0], cs[1])
		case e.Op == OpMul:
			switch {
			case cs[0] != linFree && cs[1] != linFree:
				r = bad("a product of Wiener increments")
			case cs[0] != linFree:
				r = cs[0]
			default:
				r = cs[1]
			}
		case e.Op == OpDiv:
			if cs[1] != linFree {
				r = bad("a Wiener increment in a denominator")
			} else {
				r = cs[0]
			}
		case e.Op == OpIfElse:
			if cs[0] != linFree {
				r = bad("a Wiener increment in the condition of ifelse")
			} else {
				r = join(e.Args[1], e.Args[2], cs[1], cs[2])
			}
		case e.Op == OpPow:
			r = bad("a Wiener increment in a power")
		case e.Op >= OpLT && e.Op <= OpNE:
			r = bad("a Wiener increment in a comparison")
		default:
			r = bad("a Wiener increment inside " + e.Op.String() + "(…)")
		}
		memo[e] = r
		return r
	}
	switch class(e) {
	case linBad:
		return nil, problem
	case linFree:
		if e.IsConst(0) {
			return nil, ""
		}
		return nil, "it uses no Wiener increment (multiply it by one: σ*w[0])"
	case linAffine:
		if r := substZero(b, e, isW); !r.IsConst(0) {
			return nil, "it has a term without a Wiener increment"
		}
	}
	var leaves []*Expr
	Walk([]*Expr{e}, func(n *Expr) {
		if n.Op.IsLeaf() && isW(n) {
			leaves = append(leaves, n)
		}
	})
	coef := make(map[*Expr]*Expr, len(leaves))
	for _, w := range leaves {
		if g := b.DiffAll([]*Expr{e}, w, nets)[0]; !g.IsConst(0) {
			coef[w] = g
		}
	}
	return coef, ""
}

// substZero returns e with every leaf for which isW is true replaced by 0,
// simplified by the builder.
func substZero(b *Builder, e *Expr, isW func(*Expr) bool) *Expr {
	memo := map[*Expr]*Expr{}
	var sub func(e *Expr) *Expr
	sub = func(e *Expr) *Expr {
		if r, ok := memo[e]; ok {
			return r
		}
		var r *Expr
		switch {
		case e.Op.IsLeaf() && isW(e):
			r = b.Const(0)
		case e.Op.IsLeaf():
			r = e
		default:
			args := make([]*Expr, len(e.Args))
			for i, a := range e.Args {
				args[i] = sub(a)
			}
			r = b.Apply(e.Op, args...)
		}
		memo[e] = r
		return r
	}
	return sub(e)
}

// startPos is the position of the first token of n (a Binary's own
// position is its operator's).
func startPos(n Node) lexer.Position {
	for {
		switch x := n.(type) {
		case *Binary:
			n = x.X
		case *Index:
			n = x.X
		default:
			return n.Position()
		}
	}
}
