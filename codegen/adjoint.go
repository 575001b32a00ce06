package codegen

import "github.com/nodekit/nodekit/dsl"

// adjoint is reverse-mode differentiation done symbolically: given roots
// r_i and seed expressions a_i it builds, as IR nodes of the generator's
// builder, the expressions
//
//	state[j] = Σ_i a_i ∂r_i/∂y_j,   param[k] = Σ_i a_i ∂r_i/∂θ_k
//
// by propagating adjoints from users to arguments in reverse topological
// order. Neural terms are not differentiated symbolically: the adjoint of
// net k's outputs is collected in netGy[k] (nil when no output of net k
// gets one) and the adjoint of its inputs is the placeholder leaf
// NetJac(k, −1, in), which generated code reads from the gx buffer of the
// net's backward pass (which also accumulates the net's parameter
// gradient).
//
// Roots that contain a net's input Jacobian (OpNetJac, as the equations of
// a Hamiltonian given by a net do) need second derivatives: the adjoint of
// the entries ∂U_o/∂x_i is collected in netGdx[k][o][i] (a nil row when no
// entry of output o gets one) and the adjoint of the inputs is the
// placeholder NetJac(k, −2, in), which generated code reads from the
// buffer that one second-order product per row (runtime/nn's VJPJVP:
// ∂/∂(x, θ) of e_oᵀ(∂U/∂x)·g) accumulates. Because the nodes are
// hash-consed, shared work stays shared.
type adjoint struct {
	state, param []*dsl.Expr
	netGy        [][]*dsl.Expr
	netGdx       [][][]*dsl.Expr
}

func (g *gen) adjoint(roots, seeds []*dsl.Expr) *adjoint {
	b := g.b
	zero := b.Const(0)
	one := b.Const(1)

	// Forward order over the graph in which each net call depends on its
	// inputs and every output of the net depends on the call.
	type item struct {
		e   *dsl.Expr
		net int
	}
	var order []item
	seen := map[*dsl.Expr]bool{}
	netSeen := map[int]bool{}
	var visit func(e *dsl.Expr)
	visit = func(e *dsl.Expr) {
		if seen[e] {
			return
		}
		seen[e] = true
		if (e.Op == dsl.OpNet || e.Op == dsl.OpNetJac) && !netSeen[e.Index] {
			netSeen[e.Index] = true
			for _, in := range g.nets[e.Index].Inputs {
				visit(in)
			}
			order = append(order, item{net: e.Index})
		}
		for _, a := range e.Args {
			visit(a)
		}
		order = append(order, item{e: e})
	}
	for _, r := range roots {
		visit(r)
	}

	adj := map[*dsl.Expr]*dsl.Expr{}
	add := func(e, c *dsl.Expr) {
		if c == zero {
			return
		}
		if prev, ok := adj[e]; ok {
			adj[e] = b.Add(prev, c)
		} else {
			adj[e] = c
		}
	}
	for i, r := range roots {
		add(r, seeds[i])
	}
	res := &adjoint{
		state:  make([]*dsl.Expr, g.dim),
		param:  make([]*dsl.Expr, g.m.NumDeclared),
		netGy:  make([][]*dsl.Expr, len(g.nets)),
		netGdx: make([][][]*dsl.Expr, len(g.nets)),
	}
	for i := len(order) - 1; i >= 0; i-- {
		it := order[i]
		if it.e == nil {
			k := it.net
			n := g.nets[k]
			gy := make([]*dsl.Expr, n.Out)
			any := false
			for o := range gy {
				gy[o] = zero
				if a, ok := adj[b.Net(k, o)]; ok {
					gy[o] = a
					any = true
				}
			}
			if any {
				res.netGy[k] = gy
				for in, x := range n.Inputs {
					add(x, b.NetJac(k, -1, in))
				}
			}
			gdx := make([][]*dsl.Expr, n.Out)
			any = false
			for o := range gdx {
				var row []*dsl.Expr
				for in := range n.Inputs {
					a, ok := adj[b.NetJac(k, o, in)]
					if !ok {
						continue
					}
					if row == nil {
						row = make([]*dsl.Expr, len(n.Inputs))
						for j := range row {
							row[j] = zero
						}
					}
					row[in] = a
				}
				gdx[o] = row
				any = any || row != nil
			}
			if any {
				res.netGdx[k] = gdx
				for in, x := range n.Inputs {
					add(x, b.NetJac(k, -2, in))
				}
			}
			continue
		}
		e := it.e
		ga, ok := adj[e]
		if !ok {
			continue
		}
		switch e.Op {
		case dsl.OpState:
			res.state[e.Index] = ga
			continue
		case dsl.OpParam:
			res.param[e.Index] = ga
			continue
		}
		if e.Op.IsLeaf() {
			continue
		}
		var x, y *dsl.Expr
		x = e.Args[0]
		if len(e.Args) > 1 {
			y = e.Args[1]
		}
		switch e.Op {
		case dsl.OpNeg:
			add(x, b.Neg(ga))
		case dsl.OpAdd:
			add(x, ga)
			add(y, ga)
		case dsl.OpSub:
			add(x, ga)
			add(y, b.Neg(ga))
		case dsl.OpMul:
			add(x, b.Mul(ga, y))
			add(y, b.Mul(ga, x))
		case dsl.OpDiv:
			q := b.Div(ga, y)
			add(x, q)
			add(y, b.Neg(b.Mul(q, e)))
		case dsl.OpPow:
			if y.Op == dsl.OpConst {
				add(x, b.Mul(ga, b.Mul(y, b.Binary(dsl.OpPow, x, b.Const(y.Value-1)))))
			} else {
				add(x, b.Mul(ga, b.Mul(y, b.Binary(dsl.OpPow, x, b.Sub(y, one)))))
				add(y, b.Mul(ga, b.Mul(e, b.Unary(dsl.OpLog, x))))
			}
		case dsl.OpLT, dsl.OpLE, dsl.OpGT, dsl.OpGE, dsl.OpEQ, dsl.OpNE, dsl.OpSign:
		case dsl.OpMin: // x < y ⇒ x
			c := b.Sub(y, x)
			add(x, b.IfElse(c, ga, zero))
			add(y, b.IfElse(c, zero, ga))
		case dsl.OpMax: // x > y ⇒ x
			c := b.Sub(x, y)
			add(x, b.IfElse(c, ga, zero))
			add(y, b.IfElse(c, zero, ga))
		case dsl.OpIfElse:
			add(e.Args[1], b.IfElse(x, ga, zero))
			add(e.Args[2], b.IfElse(x, zero, ga))
		case dsl.OpSin:
			add(x, b.Mul(ga, b.Unary(dsl.OpCos, x)))
		case dsl.OpCos:
			add(x, b.Neg(b.Mul(ga, b.Unary(dsl.OpSin, x))))
		case dsl.OpTan:
			add(x, b.Mul(ga, b.Add(one, b.Mul(e, e))))
		case dsl.OpExp:
			add(x, b.Mul(ga, e))
		case dsl.OpLog:
			add(x, b.Div(ga, x))
		case dsl.OpSqrt:
			add(x, b.Div(ga, b.Mul(b.Const(2), e)))
		case dsl.OpAbs:
			add(x, b.Mul(ga, b.Unary(dsl.OpSign, x)))
		case dsl.OpTanh:
			add(x, b.Mul(ga, b.Sub(one, b.Mul(e, e))))
		case dsl.OpSigmoid:
			add(x, b.Mul(ga, b.Mul(e, b.Sub(one, e))))
		case dsl.OpSoftplus:
			add(x, b.Mul(ga, b.Unary(dsl.OpSigmoid, x)))
		case dsl.OpRelu:
			add(x, b.IfElse(x, ga, zero))
		default:
			panic("codegen: internal error: no adjoint rule for " + e.Op.String())
		}
	}
	return res
}
