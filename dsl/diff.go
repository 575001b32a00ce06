package dsl

// Diff returns the simplified symbolic derivative ∂e/∂x, where x is a leaf
// made by b (a state, a parameter or t). Nodes are shared with e.
//
// A neural-term output U_k = OpNet differentiates by the chain rule through
// its inputs: Σ_i OpNetJac(k, i)·∂input_i/∂x, and an OpNetJac likewise into
// second derivatives: Σ_l OpNetHess(k, i, l)·∂input_l/∂x. Third
// derivatives of a net (differentiating an OpNetHess) are not supported
// and panic.
func (b *Builder) Diff(e, x *Expr) *Expr {
	return b.DiffAll([]*Expr{e}, x, nil)[0]
}

// DiffAll differentiates every expression of es with respect to x,
// sharing the work between them. nets gives the Inputs of each net (by
// index), needed only when es contains OpNet nodes; pass nil otherwise.
func (b *Builder) DiffAll(es []*Expr, x *Expr, nets []*Net) []*Expr {
	if !x.Op.IsLeaf() || x.Op == OpConst || x.Op == OpNet || x.Op == OpNetJac || x.Op == OpNetHess {
		panic("dsl: Diff with respect to " + x.String() + ", want a state, parameter or t")
	}
	memo := map[*Expr]*Expr{}
	zero := b.Const(0)
	var d func(e *Expr) *Expr
	d = func(e *Expr) *Expr {
		if r, ok := memo[e]; ok {
			return r
		}
		r := b.diff1(e, x, zero, d, nets)
		memo[e] = r
		return r
	}
	out := make([]*Expr, len(es))
	for i, e := range es {
		out[i] = d(e)
	}
	return out
}

// DiffModel returns ∂e/∂x for an expression of m; nets in e are
// differentiated through their inputs.
func (m *Model) Diff(e, x *Expr) *Expr {
	return m.B.DiffAll([]*Expr{e}, x, m.Nets)[0]
}

func (b *Builder) diff1(e, x, zero *Expr, d func(*Expr) *Expr, nets []*Net) *Expr {
	if e == x {
		return b.Const(1)
	}
	var a, c *Expr
	if len(e.Args) > 0 {
		a = e.Args[0]
	}
	if len(e.Args) > 1 {
		c = e.Args[1]
	}
	switch e.Op {
	case OpConst, OpTime, OpState, OpParam:
		return zero
	case OpNet:
		if e.Index >= len(nets) {
			panic("dsl: Diff through a net without its inputs (use Model.Diff)")
		}
		sum := zero
		for i, in := range nets[e.Index].Inputs {
			di := d(in)
			if di == zero {
				continue
			}
			sum = b.Add(sum, b.Mul(b.NetJac(e.Index, e.Out, i), di))
		}
		return sum
	case OpNetJac:
		if e.Index >= len(nets) {
			panic("dsl: Diff through a net without its inputs (use Model.Diff)")
		}
		sum := zero
		for l, in := range nets[e.Index].Inputs {
			dl := d(in)
			if dl == zero {
				continue
			}
			sum = b.Add(sum, b.Mul(b.NetHess(e.Index, e.Out, e.In, l), dl))
		}
		return sum
	case OpNetHess:
		panic("dsl: third derivatives of neural terms are not supported")
	case OpNeg:
		return b.Neg(d(a))
	case OpAdd:
		return b.Add(d(a), d(c))
	case OpSub:
		return b.Sub(d(a), d(c))
	case OpMul:
		return b.Add(b.Mul(d(a), c), b.Mul(a, d(c)))
	case OpDiv:
		// (a/c)' = (a' − (a/c)·c')/c, reusing e = a/c.
		da, dc := d(a), d(c)
		if dc == zero {
			return b.Div(da, c)
		}
		return b.Div(b.Sub(da, b.Mul(e, dc)), c)
	case OpPow:
		da, dc := d(a), d(c)
		var r *Expr = zero
		if da != zero {
			// c·a^(c−1)·a'
			var pw *Expr
			if c.Op == OpConst {
				pw = b.Binary(OpPow, a, b.Const(c.Value-1))
			} else {
				pw = b.Binary(OpPow, a, b.Sub(c, b.Const(1)))
			}
			r = b.Mul(b.Mul(c, pw), da)
		}
		if dc != zero {
			// a^c·log(a)·c', which is 0 where a^c is (a = 0 < c: the
			// product alone would be 0·(−∞) = NaN).
			t := b.IfElse(b.Binary(OpNE, e, zero), b.Mul(e, b.Unary(OpLog, a)), zero)
			r = b.Add(r, b.Mul(t, dc))
		}
		return r
	case OpLT, OpLE, OpGT, OpGE, OpEQ, OpNE, OpSign:
		return zero
	case OpMin, OpMax:
		da, dc := d(a), d(c)
		if da == dc {
			return da
		}
		if e.Op == OpMin { // a < c ⇒ a'
			return b.IfElse(b.Sub(c, a), da, dc)
		}
		return b.IfElse(b.Sub(a, c), da, dc)
	case OpIfElse:
		return b.IfElse(a, d(c), d(e.Args[2]))
	}
	// One-argument functions: f'(a)·a'.
	da := d(a)
	if da == zero {
		return zero
	}
	var fp *Expr
	switch e.Op {
	case OpSin:
		fp = b.Unary(OpCos, a)
	case OpCos:
		fp = b.Neg(b.Unary(OpSin, a))
	case OpTan:
		fp = b.Add(b.Const(1), b.Mul(e, e))
	case OpExp:
		fp = e
	case OpLog:
		return b.Div(da, a)
	case OpSqrt:
		return b.Div(da, b.Mul(b.Const(2), e))
	case OpAbs:
		fp = b.Unary(OpSign, a)
	case OpTanh:
		fp = b.Sub(b.Const(1), b.Mul(e, e))
	case OpSigmoid:
		fp = b.Mul(e, b.Sub(b.Const(1), e))
	case OpSoftplus:
		fp = b.Unary(OpSigmoid, a)
	case OpRelu:
		fp = b.IfElse(a, b.Const(1), zero)
	default:
		panic("dsl: Diff of " + e.Op.String())
	}
	return b.Mul(fp, da)
}

// DependsOn reports whether e depends on any leaf for which pred is true.
func DependsOn(e *Expr, pred func(leaf *Expr) bool) bool {
	found := false
	Walk([]*Expr{e}, func(n *Expr) {
		if !found && n.Op.IsLeaf() && pred(n) {
			found = true
		}
	})
	return found
}
