package dsl

import (
	"fmt"
	"math"
)

// NetFunc evaluates a neural term for a Machine, one sample at a time
// (batch = 1). *nn.MLP satisfies it.
type NetFunc interface {
	// Forward writes the outputs for inputs x into y.
	Forward(x, y []float64, batch int)
	// VJP recomputes the outputs at x and back-propagates gy:
	// gx = gyᵀ∂y/∂x is overwritten and gp += gyᵀ∂y/∂θ (gp may be nil).
	VJP(x, gy, gx, gp []float64, batch int)
}

// Machine evaluates IR expressions compiled to a flat register program:
// every DAG node owns one slot of a []float64 register file, and each
// program is a topologically ordered list of fixed-size instructions over
// those slots. Run evaluates a program forward; Reverse then propagates
// adjoints back through it (reverse-mode differentiation), including
// through neural terms. Nothing allocates after NewMachine.
//
// The register file starts with the inputs: the Dim state components, the
// NumDeclared declared parameters and t. A Machine is not safe for
// concurrent use; Clone makes an independent copy that shares the code.
type Machine struct {
	dim, npar int
	progs     []program
	init      []float64 // register file with constants filled in
	regs      []float64
	adj       []float64
	nets      []netCall
	nparams   int // length of a full parameter gradient (declared + nets)
}

type program struct {
	code  []instr
	roots []int32
}

type instr struct {
	op      vop
	dst     int32
	a, b, c int32
	k       float64
}

type vop uint8

const (
	vNop vop = iota
	vNeg
	vAdd
	vSub
	vMul
	vDiv
	vPow
	vPowK // a ^ k, k constant
	vSquare
	vLT
	vLE
	vGT
	vGE
	vEQ
	vNE
	vSin
	vCos
	vTan
	vExp
	vLog
	vSqrt
	vAbs
	vTanh
	vSigmoid
	vSoftplus
	vRelu
	vSign
	vMin
	vMax
	vIfElse
	vNet // net call a
)

var unaryV = map[Op]vop{
	OpNeg: vNeg, OpSin: vSin, OpCos: vCos, OpTan: vTan, OpExp: vExp, OpLog: vLog, OpSqrt: vSqrt,
	OpAbs: vAbs, OpTanh: vTanh, OpSigmoid: vSigmoid, OpSoftplus: vSoftplus, OpRelu: vRelu, OpSign: vSign,
}

var binaryV = map[Op]vop{
	OpAdd: vAdd, OpSub: vSub, OpMul: vMul, OpDiv: vDiv, OpPow: vPow,
	OpLT: vLT, OpLE: vLE, OpGT: vGT, OpGE: vGE, OpEQ: vEQ, OpNE: vNE, OpMin: vMin, OpMax: vMax,
}

type netCall struct {
	net    *Net
	fn     NetFunc
	in     []int32
	out    []int32
	x, y   []float64
	gy, gx []float64
}

// NewMachine compiles one program per root set. dim and npar give the
// number of state and declared-parameter leaves; nets are the model's
// neural terms (nil when none), whose NetFunc must be attached with SetNet
// before a program that uses them runs. OpNetJac nodes are not supported.
func NewMachine(dim, npar int, nets []*Net, rootSets ...[]*Expr) *Machine {
	m := &Machine{dim: dim, npar: npar}
	nreg := dim + npar + 1
	m.nparams = npar
	for _, n := range nets {
		m.nparams = max(m.nparams, n.ParamOffset+n.NumParams)
	}
	regOf := map[*Expr]int32{}
	var consts []float64
	var constRegs []int32
	netDone := make([]bool, len(nets))
	m.nets = make([]netCall, len(nets))
	for i, n := range nets {
		m.nets[i] = netCall{net: n, x: make([]float64, len(n.Inputs)), y: make([]float64, n.Out),
			gy: make([]float64, n.Out), gx: make([]float64, len(n.Inputs)), out: make([]int32, n.Out)}
	}
	for _, roots := range rootSets {
		var code []instr
		emitted := map[int32]bool{}
		var reg func(e *Expr) int32
		// emitNet makes sure net i's call is in this program.
		emitNet := func(i int) {
			nc := &m.nets[i]
			if !netDone[i] {
				netDone[i] = true
				for k := range nc.out {
					nc.out[k] = int32(nreg)
					nreg++
				}
			}
			nc.in = nc.in[:0]
			for _, in := range nc.net.Inputs {
				nc.in = append(nc.in, reg(in))
			}
			if !emitted[-1-int32(i)] {
				emitted[-1-int32(i)] = true
				code = append(code, instr{op: vNet, a: int32(i)})
			}
		}
		reg = func(e *Expr) int32 {
			switch e.Op {
			case OpState:
				return int32(e.Index)
			case OpParam:
				return int32(dim + e.Index)
			case OpTime:
				return int32(dim + npar)
			}
			if r, ok := regOf[e]; ok {
				if e.Op == OpNet {
					emitNet(e.Index)
				} else if e.Op != OpConst && !emitted[r] {
					// computed in an earlier program: recompute here
					m.emit(&code, e, r, reg)
					emitted[r] = true
				}
				return r
			}
			switch e.Op {
			case OpConst:
				r := int32(nreg)
				nreg++
				consts = append(consts, e.Value)
				constRegs = append(constRegs, r)
				regOf[e] = r
				return r
			case OpNet:
				if e.Index >= len(nets) {
					panic(fmt.Sprintf("dsl: NewMachine: net %d of %d", e.Index, len(nets)))
				}
				emitNet(e.Index)
				r := m.nets[e.Index].out[e.Out]
				regOf[e] = r
				return r
			case OpNetJac:
				panic("dsl: Machine cannot evaluate OpNetJac")
			}
			r := int32(nreg)
			nreg++
			m.emit(&code, e, r, reg)
			regOf[e] = r
			emitted[r] = true
			return r
		}
		p := program{}
		for _, e := range roots {
			p.roots = append(p.roots, reg(e))
		}
		p.code = code
		m.progs = append(m.progs, p)
	}
	m.init = make([]float64, nreg)
	for i, r := range constRegs {
		m.init[r] = consts[i]
	}
	m.regs = append([]float64(nil), m.init...)
	m.adj = make([]float64, nreg)
	return m
}

func (m *Machine) emit(code *[]instr, e *Expr, dst int32, reg func(*Expr) int32) {
	in := instr{dst: dst}
	switch len(e.Args) {
	case 1:
		in.op = unaryV[e.Op]
		in.a = reg(e.Args[0])
	case 2:
		in.op = binaryV[e.Op]
		if e.Op == OpPow && e.Args[1].Op == OpConst {
			in.a = reg(e.Args[0])
			in.k = e.Args[1].Value
			in.op = vPowK
			if in.k == 2 {
				in.op = vSquare
			}
			break
		}
		in.a = reg(e.Args[0])
		in.b = reg(e.Args[1])
	case 3:
		in.op = vIfElse
		in.a = reg(e.Args[0])
		in.b = reg(e.Args[1])
		in.c = reg(e.Args[2])
	default:
		panic("dsl: Machine cannot emit " + e.Op.String())
	}
	*code = append(*code, in)
}

// Clone returns a Machine sharing m's code with its own registers and
// net buffers. Nets are shared: attach fresh ones with SetNet if they hold
// per-call state (nn's MLP does).
func (m *Machine) Clone() *Machine {
	c := *m
	c.regs = append([]float64(nil), m.init...)
	c.adj = make([]float64, len(m.adj))
	c.nets = make([]netCall, len(m.nets))
	for i, nc := range m.nets {
		c.nets[i] = netCall{net: nc.net, fn: nc.fn, in: nc.in, out: nc.out,
			x: make([]float64, len(nc.x)), y: make([]float64, len(nc.y)),
			gy: make([]float64, len(nc.gy)), gx: make([]float64, len(nc.gx))}
	}
	return &c
}

// SetNet attaches the evaluator of net i.
func (m *Machine) SetNet(i int, f NetFunc) { m.nets[i].fn = f }

// NumRegisters returns the size of the register file.
func (m *Machine) NumRegisters() int { return len(m.regs) }

// NumInstructions returns the length of program p.
func (m *Machine) NumInstructions(p int) int { return len(m.progs[p].code) }

// Load sets the inputs: t, the state y (length dim) and the declared
// parameters p (at least npar long; extra net parameters are ignored).
func (m *Machine) Load(t float64, y, p []float64) {
	copy(m.regs[:m.dim], y[:m.dim])
	copy(m.regs[m.dim:m.dim+m.npar], p[:m.npar])
	m.regs[m.dim+m.npar] = t
}

// LoadParams sets only the declared parameters p[:npar].
func (m *Machine) LoadParams(p []float64) { copy(m.regs[m.dim:m.dim+m.npar], p[:m.npar]) }

// LoadState sets only the state components y[lo:hi].
func (m *Machine) LoadState(lo int, y []float64) { copy(m.regs[lo:lo+len(y)], y) }

// SetTime sets only t.
func (m *Machine) SetTime(t float64) { m.regs[m.dim+m.npar] = t }

// Root returns the value of root k of program p after Run(p).
func (m *Machine) Root(p, k int) float64 { return m.regs[m.progs[p].roots[k]] }

// Roots copies every root of program p into dst after Run(p).
func (m *Machine) Roots(p int, dst []float64) {
	for k, r := range m.progs[p].roots {
		dst[k] = m.regs[r]
	}
}

// Run evaluates program p on the loaded inputs.
func (m *Machine) Run(p int) {
	r := m.regs
	for i := range m.progs[p].code {
		in := &m.progs[p].code[i]
		switch in.op {
		case vNeg:
			r[in.dst] = -r[in.a]
		case vAdd:
			r[in.dst] = r[in.a] + r[in.b]
		case vSub:
			r[in.dst] = r[in.a] - r[in.b]
		case vMul:
			r[in.dst] = r[in.a] * r[in.b]
		case vDiv:
			r[in.dst] = r[in.a] / r[in.b]
		case vPow:
			r[in.dst] = math.Pow(r[in.a], r[in.b])
		case vPowK:
			r[in.dst] = math.Pow(r[in.a], in.k)
		case vSquare:
			r[in.dst] = r[in.a] * r[in.a]
		case vLT:
			r[in.dst] = b2f(r[in.a] < r[in.b])
		case vLE:
			r[in.dst] = b2f(r[in.a] <= r[in.b])
		case vGT:
			r[in.dst] = b2f(r[in.a] > r[in.b])
		case vGE:
			r[in.dst] = b2f(r[in.a] >= r[in.b])
		case vEQ:
			r[in.dst] = b2f(r[in.a] == r[in.b])
		case vNE:
			r[in.dst] = b2f(r[in.a] != r[in.b])
		case vSin:
			r[in.dst] = math.Sin(r[in.a])
		case vCos:
			r[in.dst] = math.Cos(r[in.a])
		case vTan:
			r[in.dst] = math.Tan(r[in.a])
		case vExp:
			r[in.dst] = math.Exp(r[in.a])
		case vLog:
			r[in.dst] = math.Log(r[in.a])
		case vSqrt:
			r[in.dst] = math.Sqrt(r[in.a])
		case vAbs:
			r[in.dst] = math.Abs(r[in.a])
		case vTanh:
			r[in.dst] = math.Tanh(r[in.a])
		case vSigmoid:
			r[in.dst] = Sigmoid(r[in.a])
		case vSoftplus:
			r[in.dst] = Softplus(r[in.a])
		case vRelu:
			r[in.dst] = apply1(OpRelu, r[in.a])
		case vSign:
			r[in.dst] = sign(r[in.a])
		case vMin:
			r[in.dst] = math.Min(r[in.a], r[in.b])
		case vMax:
			r[in.dst] = math.Max(r[in.a], r[in.b])
		case vIfElse:
			if r[in.a] > 0 {
				r[in.dst] = r[in.b]
			} else {
				r[in.dst] = r[in.c]
			}
		case vNet:
			nc := &m.nets[in.a]
			for j, s := range nc.in {
				nc.x[j] = r[s]
			}
			nc.fn.Forward(nc.x, nc.y, 1)
			for j, d := range nc.out {
				r[d] = nc.y[j]
			}
		}
	}
}

// Reverse propagates the adjoint a (one entry per root of program p)
// back through the last Run(p): it overwrites ay (length dim, nil to skip)
// with aᵀ∂roots/∂y, accumulates ap += aᵀ∂roots/∂θ (declared parameters
// first, then each net's parameters at its ParamOffset; nil to skip), and
// returns aᵀ∂roots/∂t.
func (m *Machine) Reverse(p int, a, ay, ap []float64) float64 {
	g := m.adj
	clear(g)
	r := m.regs
	prog := &m.progs[p]
	for k, rt := range prog.roots {
		g[rt] += a[k]
	}
	for i := len(prog.code) - 1; i >= 0; i-- {
		in := &prog.code[i]
		if in.op == vNet {
			m.reverseNet(in.a, ap)
			continue
		}
		d := g[in.dst]
		if d == 0 {
			continue
		}
		x := r[in.a]
		switch in.op {
		case vNeg:
			g[in.a] -= d
		case vAdd:
			g[in.a] += d
			g[in.b] += d
		case vSub:
			g[in.a] += d
			g[in.b] -= d
		case vMul:
			g[in.a] += d * r[in.b]
			g[in.b] += d * x
		case vDiv:
			g[in.a] += d / r[in.b]
			g[in.b] -= d * r[in.dst] / r[in.b]
		case vPow:
			y := r[in.b]
			g[in.a] += d * y * math.Pow(x, y-1)
			g[in.b] += d * r[in.dst] * math.Log(x)
		case vPowK:
			g[in.a] += d * in.k * math.Pow(x, in.k-1)
		case vSquare:
			g[in.a] += d * 2 * x
		case vLT, vLE, vGT, vGE, vEQ, vNE, vSign:
		case vMin:
			if x < r[in.b] {
				g[in.a] += d
			} else {
				g[in.b] += d
			}
		case vMax:
			if x > r[in.b] {
				g[in.a] += d
			} else {
				g[in.b] += d
			}
		case vIfElse:
			if x > 0 {
				g[in.b] += d
			} else {
				g[in.c] += d
			}
		case vSin:
			g[in.a] += d * math.Cos(x)
		case vCos:
			g[in.a] -= d * math.Sin(x)
		case vTan:
			y := r[in.dst]
			g[in.a] += d * (1 + y*y)
		case vExp:
			g[in.a] += d * r[in.dst]
		case vLog:
			g[in.a] += d / x
		case vSqrt:
			g[in.a] += d * 0.5 / r[in.dst]
		case vAbs:
			g[in.a] += d * sign(x)
		case vTanh:
			y := r[in.dst]
			g[in.a] += d * (1 - y*y)
		case vSigmoid:
			y := r[in.dst]
			g[in.a] += d * y * (1 - y)
		case vSoftplus:
			g[in.a] += d * Sigmoid(x)
		case vRelu:
			if x > 0 {
				g[in.a] += d
			}
		}
	}
	if ay != nil {
		copy(ay[:m.dim], g[:m.dim])
	}
	if ap != nil {
		for k := 0; k < m.npar; k++ {
			ap[k] += g[m.dim+k]
		}
	}
	return g[m.dim+m.npar]
}

func (m *Machine) reverseNet(i int32, ap []float64) {
	nc := &m.nets[i]
	nonzero := false
	for j, s := range nc.out {
		nc.gy[j] = m.adj[s]
		nonzero = nonzero || nc.gy[j] != 0
	}
	if !nonzero {
		return
	}
	for j, s := range nc.in {
		nc.x[j] = m.regs[s]
	}
	var gp []float64
	if ap != nil {
		gp = ap[nc.net.ParamOffset : nc.net.ParamOffset+nc.net.NumParams]
	}
	nc.fn.VJP(nc.x, nc.gy, nc.gx, gp, 1)
	for j, s := range nc.in {
		m.adj[s] += nc.gx[j]
	}
}
