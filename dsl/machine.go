package dsl

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unsafe"
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

// NetFunc2 is a NetFunc with second derivatives, needed by programs that
// contain a net's input Jacobian (OpNetJac) and are run in reverse (a
// Hamiltonian given by a net). *nn.MLP satisfies it.
type NetFunc2 interface {
	NetFunc
	// VJPJVP differentiates the pair (y, dy) = (f(x), (∂f/∂x)·dx) in
	// reverse: gx = ∂/∂x (gyᵀy + gdyᵀdy) is overwritten, gdx likewise
	// (nil skips it) and gp accumulates the same with respect to θ (nil
	// skips it). A nil gy means zero.
	VJPJVP(x, dx, gy, gdy, gx, gdx, gp []float64, batch int)
}

// netBackward is implemented by nets that cache their last Forward pass
// (*nn.MLP does): Reverse then back-propagates through the cached pass
// instead of recomputing it.
type netBackward interface {
	Backward(gy, gx, gp []float64)
}

// Machine evaluates IR expressions compiled to a flat register program:
// every materialised DAG node owns one slot of a []float64 register file,
// and each program is a topologically ordered list of fixed-size
// instructions over those slots. Run evaluates a program forward; Reverse
// then propagates adjoints back through it (reverse-mode differentiation),
// including through neural terms. Nothing allocates after NewMachine.
//
// Compilation selects superinstructions for the shapes that dominate ODE
// right-hand sides (a·b ± c, a·b ± c·d, a·(b − c), a·(b − c) ± d, a·(b + c),
// (−a)·b) when the inner node has no other use in the program, so a
// typical equation is one or two dispatches. Every superinstruction rounds
// each intermediate exactly as the separate operations would (no fused
// multiply–add), so results are bit-identical to evaluating the DAG node
// by node with the semantics of ops.go.
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

// instr is one instruction: dst = op(a, b, c, d). Operands are register
// numbers, validated against the register file once by NewMachine, which
// is what lets Run and Reverse index the registers without bounds checks.
// For vNet, a is the net index; for vPowK, b is the register holding the
// constant exponent.
type instr struct {
	op         vop
	dst        int32
	a, b, c, d int32
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
	vPowK // a ^ r[b], b a constant register
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
	vNet    // net call a
	vNetJac // row b of net a's input Jacobian: ∂U_b/∂x

	// Superinstructions.
	vMulAdd     // a·b + c
	vMulSub     // a·b − c
	vSubMul     // c − a·b
	vMulAddMul  // a·b + c·d
	vMulSubMul  // a·b − c·d
	vMulDiff    // a·(b − c)
	vMulSum     // a·(b + c)
	vMulDiffAdd // a·(b − c) + d
	vMulDiffSub // a·(b − c) − d
	vNegMul     // (−a)·b
	numVops
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
	// jac[o] holds the registers of ∂U_o/∂x (nil for outputs whose row
	// no program needs); dx, gdy and gx2 are the second-order buffers.
	jac          [][]int32
	dx, gdy, gx2 []float64
	// cached: the last Run evaluated this net, so a netBackward may
	// back-propagate through its cached pass.
	cached bool
}

// NewMachine compiles one program per root set. dim and npar give the
// number of state and declared-parameter leaves; nets are the model's
// neural terms (nil when none), whose NetFunc must be attached with SetNet
// before a program that uses them runs. OpNetJac nodes (a net's input
// Jacobian) are evaluated by one back-propagation per needed output, and
// Reverse differentiates them with the net's second-order product
// (NetFunc2); OpNetHess nodes are not supported.
func NewMachine(dim, npar int, nets []*Net, rootSets ...[]*Expr) *Machine {
	m := &Machine{dim: dim, npar: npar}
	m.nparams = npar
	for _, n := range nets {
		m.nparams = max(m.nparams, n.ParamOffset+n.NumParams)
	}
	m.nets = make([]netCall, len(nets))
	for i, n := range nets {
		m.nets[i] = netCall{net: n, x: make([]float64, len(n.Inputs)), y: make([]float64, n.Out),
			gy: make([]float64, n.Out), gx: make([]float64, len(n.Inputs)), out: make([]int32, n.Out),
			jac: make([][]int32, n.Out), dx: make([]float64, len(n.Inputs)), gdy: make([]float64, n.Out),
			gx2: make([]float64, len(n.Inputs))}
		for k := range m.nets[i].out {
			m.nets[i].out[k] = -1
		}
	}
	c := &compiler{m: m, nreg: int32(dim + npar + 1), regOf: map[*Expr]int32{}, constReg: map[uint64]int32{}}
	for _, roots := range rootSets {
		m.progs = append(m.progs, c.program(roots))
	}
	m.init = make([]float64, c.nreg)
	for _, k := range c.consts {
		m.init[k.reg] = k.val
	}
	m.regs = append([]float64(nil), m.init...)
	m.adj = make([]float64, c.nreg)
	m.validate()
	return m
}

// validate checks every register operand against the register file: Run
// and Reverse rely on it to skip bounds checks.
func (m *Machine) validate() {
	n := int32(len(m.regs))
	ok := func(r int32) {
		if r < 0 || r >= n {
			panic(fmt.Sprintf("dsl: NewMachine: register %d outside a file of %d", r, n))
		}
	}
	for _, p := range m.progs {
		for _, r := range p.roots {
			ok(r)
		}
		for _, in := range p.code {
			if in.op == vNet || in.op == vNetJac {
				if in.a < 0 || int(in.a) >= len(m.nets) {
					panic(fmt.Sprintf("dsl: NewMachine: net %d of %d", in.a, len(m.nets)))
				}
				if in.op == vNetJac {
					jac := m.nets[in.a].jac
					if in.b < 0 || int(in.b) >= len(jac) || jac[in.b] == nil {
						panic(fmt.Sprintf("dsl: NewMachine: Jacobian row %d of net %d", in.b, in.a))
					}
				}
				continue
			}
			if in.op == vNop || in.op >= numVops {
				panic(fmt.Sprintf("dsl: NewMachine: bad operation %d", in.op))
			}
			ok(in.dst)
			ok(in.a)
			ok(in.b)
			ok(in.c)
			ok(in.d)
		}
	}
	for _, nc := range m.nets {
		for _, r := range nc.in {
			ok(r)
		}
		for _, r := range nc.out {
			if r >= 0 {
				ok(r)
			}
		}
		for _, row := range nc.jac {
			for _, r := range row {
				ok(r)
			}
		}
	}
}

type constSlot struct {
	reg int32
	val float64
}

// compiler turns root sets into programs. Registers are global to the
// Machine (a node materialised by two programs has one register); the
// choice of instructions is per program.
type compiler struct {
	m        *Machine
	nreg     int32
	regOf    map[*Expr]int32
	constReg map[uint64]int32
	consts   []constSlot

	// per program
	code    []instr
	done    map[*Expr]bool
	netDone map[int]bool
	jacDone map[[2]int]bool
	uses    map[*Expr]int
	pinned  map[*Expr]bool // roots and net inputs: always materialised
}

func (c *compiler) newReg() int32 {
	r := c.nreg
	c.nreg++
	return r
}

func (c *compiler) program(roots []*Expr) program {
	c.code = nil
	c.done = map[*Expr]bool{}
	c.netDone = map[int]bool{}
	c.jacDone = map[[2]int]bool{}
	c.uses = map[*Expr]int{}
	c.pinned = map[*Expr]bool{}
	// Count the uses of every node inside this program.
	seen := map[*Expr]bool{}
	netSeen := map[int]bool{}
	var visit func(e *Expr)
	visit = func(e *Expr) {
		if seen[e] {
			return
		}
		seen[e] = true
		if e.Op == OpNet || e.Op == OpNetJac {
			if e.Index < 0 || e.Index >= len(c.m.nets) {
				panic(fmt.Sprintf("dsl: NewMachine: net %d of %d", e.Index, len(c.m.nets)))
			}
			if !netSeen[e.Index] {
				netSeen[e.Index] = true
				for _, in := range c.m.nets[e.Index].net.Inputs {
					c.pinned[in] = true
					visit(in)
				}
			}
		}
		for _, a := range e.Args {
			c.uses[a]++
			visit(a)
		}
	}
	for _, r := range roots {
		c.pinned[r] = true
		visit(r)
	}
	p := program{roots: make([]int32, 0, len(roots))}
	for _, e := range roots {
		p.roots = append(p.roots, c.reg(e))
	}
	p.code = c.code
	return p
}

// inl reports whether e may be folded into its single user.
func (c *compiler) inl(e *Expr) bool {
	return e.Op.Arity() > 0 && c.uses[e] == 1 && !c.pinned[e] && !c.done[e]
}

// reg materialises e in the current program and returns its register.
func (c *compiler) reg(e *Expr) int32 {
	m := c.m
	switch e.Op {
	case OpState:
		return int32(e.Index)
	case OpParam:
		return int32(m.dim + e.Index)
	case OpTime:
		return int32(m.dim + m.npar)
	case OpConst:
		return c.constant(e.Value)
	case OpNet:
		if e.Index < 0 || e.Index >= len(m.nets) || e.Out < 0 || e.Out >= len(m.nets[e.Index].out) {
			panic(fmt.Sprintf("dsl: NewMachine: output %d of net %d out of range", e.Out, e.Index))
		}
		c.emitNet(e.Index)
		return m.nets[e.Index].out[e.Out]
	case OpNetJac:
		if e.Index < 0 || e.Index >= len(m.nets) || e.Out < 0 || e.Out >= len(m.nets[e.Index].out) ||
			e.In < 0 || e.In >= len(m.nets[e.Index].x) {
			panic(fmt.Sprintf("dsl: NewMachine: Jacobian entry (%d, %d) of net %d out of range", e.Out, e.In, e.Index))
		}
		c.emitNetJac(e.Index, e.Out)
		return m.nets[e.Index].jac[e.Out][e.In]
	case OpNetHess:
		panic("dsl: Machine cannot evaluate OpNetHess (second derivatives of a net as values)")
	}
	if c.done[e] {
		return c.regOf[e]
	}
	r, ok := c.regOf[e]
	if !ok {
		r = c.newReg()
		c.regOf[e] = r
	}
	c.emit(e, r)
	c.done[e] = true
	return r
}

func (c *compiler) constant(v float64) int32 {
	k := math.Float64bits(v)
	if r, ok := c.constReg[k]; ok {
		return r
	}
	r := c.newReg()
	c.constReg[k] = r
	c.consts = append(c.consts, constSlot{r, v})
	return r
}

// emitNet makes sure net i's call is in the current program.
func (c *compiler) emitNet(i int) {
	if c.netDone[i] {
		return
	}
	c.netDone[i] = true
	nc := &c.m.nets[i]
	in := make([]int32, len(nc.net.Inputs))
	for k, e := range nc.net.Inputs {
		in[k] = c.reg(e)
	}
	// A net's inputs are the same nodes in every program; their
	// registers are too.
	nc.in = in
	for k := range nc.out {
		if nc.out[k] < 0 {
			nc.out[k] = c.newReg()
		}
	}
	c.code = append(c.code, instr{op: vNet, a: int32(i)})
}

// emitNetJac makes sure row o of net i's input Jacobian is computed in the
// current program.
func (c *compiler) emitNetJac(i, o int) {
	if c.jacDone[[2]int{i, o}] {
		return
	}
	c.jacDone[[2]int{i, o}] = true
	nc := &c.m.nets[i]
	in := make([]int32, len(nc.net.Inputs))
	for k, e := range nc.net.Inputs {
		in[k] = c.reg(e)
	}
	nc.in = in
	if nc.jac[o] == nil {
		row := make([]int32, len(in))
		for k := range row {
			row[k] = c.newReg()
		}
		nc.jac[o] = row
	}
	c.code = append(c.code, instr{op: vNetJac, a: int32(i), b: int32(o)})
}

// mulDiff matches a·(b − c) (either factor order) with an inlinable
// difference; add selects b + c instead.
func (c *compiler) mulDiff(e *Expr, op Op) (a, b, d *Expr) {
	x, y := e.Args[0], e.Args[1]
	if y.Op == op && c.inl(y) {
		return x, y.Args[0], y.Args[1]
	}
	if x.Op == op && c.inl(x) {
		return y, x.Args[0], x.Args[1]
	}
	return nil, nil, nil
}

func (c *compiler) isMul(e *Expr) bool { return e.Op == OpMul && c.inl(e) }

func (c *compiler) emit(e *Expr, dst int32) {
	in := instr{dst: dst}
	set := func(op vop, args ...*Expr) {
		in.op = op
		for i, a := range args {
			r := c.reg(a)
			switch i {
			case 0:
				in.a = r
			case 1:
				in.b = r
			case 2:
				in.c = r
			case 3:
				in.d = r
			}
		}
	}
	switch e.Op {
	case OpAdd, OpSub:
		x, y := e.Args[0], e.Args[1]
		sub := e.Op == OpSub
		switch {
		case c.isMul(x) && c.isMul(y):
			set(pick(sub, vMulSubMul, vMulAddMul), x.Args[0], x.Args[1], y.Args[0], y.Args[1])
		case c.isMul(x):
			if a, b, d := c.mulDiff(x, OpSub); a != nil {
				set(pick(sub, vMulDiffSub, vMulDiffAdd), a, b, d, y)
			} else {
				set(pick(sub, vMulSub, vMulAdd), x.Args[0], x.Args[1], y)
			}
		case c.isMul(y) && sub:
			set(vSubMul, y.Args[0], y.Args[1], x)
		case c.isMul(y):
			// x + a·b = a·b + x exactly: IEEE addition commutes.
			if a, b, d := c.mulDiff(y, OpSub); a != nil {
				set(vMulDiffAdd, a, b, d, x)
			} else {
				set(vMulAdd, y.Args[0], y.Args[1], x)
			}
		default:
			set(pick(sub, vSub, vAdd), x, y)
		}
	case OpMul:
		x, y := e.Args[0], e.Args[1]
		if a, b, d := c.mulDiff(e, OpSub); a != nil {
			set(vMulDiff, a, b, d)
		} else if a, b, d := c.mulDiff(e, OpAdd); a != nil {
			set(vMulSum, a, b, d)
		} else if x.Op == OpNeg && c.inl(x) {
			set(vNegMul, x.Args[0], y)
		} else if y.Op == OpNeg && c.inl(y) {
			set(vNegMul, y.Args[0], x)
		} else {
			set(vMul, x, y)
		}
	case OpPow:
		x, y := e.Args[0], e.Args[1]
		switch {
		case y.IsConst(2):
			set(vSquare, x)
		case y.Op == OpConst:
			set(vPowK, x, y)
		default:
			set(vPow, x, y)
		}
	case OpIfElse:
		set(vIfElse, e.Args[0], e.Args[1], e.Args[2])
	default:
		switch len(e.Args) {
		case 1:
			set(unaryV[e.Op], e.Args[0])
		case 2:
			set(binaryV[e.Op], e.Args[0], e.Args[1])
		}
		if in.op == vNop {
			panic("dsl: Machine cannot emit " + e.Op.String())
		}
	}
	c.code = append(c.code, in)
}

func pick(cond bool, yes, no vop) vop {
	if cond {
		return yes
	}
	return no
}

// Clone returns a Machine sharing m's code with its own registers and
// net buffers. Nets are shared: attach fresh ones with SetNet if they hold
// per-call state (nn's MLP does, and Reverse back-propagates through the
// pass a net cached during Run, so clones used in turn must not share one).
func (m *Machine) Clone() *Machine {
	c := *m
	c.regs = append([]float64(nil), m.init...)
	c.adj = make([]float64, len(m.adj))
	c.nets = make([]netCall, len(m.nets))
	for i, nc := range m.nets {
		c.nets[i] = netCall{net: nc.net, fn: nc.fn, in: nc.in, out: nc.out, jac: nc.jac,
			x: make([]float64, len(nc.x)), y: make([]float64, len(nc.y)),
			gy: make([]float64, len(nc.gy)), gx: make([]float64, len(nc.gx)),
			dx: make([]float64, len(nc.dx)), gdy: make([]float64, len(nc.gdy)), gx2: make([]float64, len(nc.gx2))}
	}
	return &c
}

// SetNet attaches the evaluator of net i.
func (m *Machine) SetNet(i int, f NetFunc) {
	m.nets[i].fn = f
	m.nets[i].cached = false
}

// NumRegisters returns the size of the register file.
func (m *Machine) NumRegisters() int { return len(m.regs) }

// NumInstructions returns the length of program p.
func (m *Machine) NumInstructions(p int) int { return len(m.progs[p].code) }

// Load sets the inputs: t, the state y (length dim) and the declared
// parameters p (at least npar long; extra net parameters are ignored).
func (m *Machine) Load(t float64, y, p []float64) {
	m.LoadState(0, y[:m.dim])
	m.LoadParams(p)
	m.regs[m.dim+m.npar] = t
}

// LoadParams sets only the declared parameters p[:npar].
func (m *Machine) LoadParams(p []float64) {
	r := m.regs[m.dim : m.dim+m.npar]
	p = p[:len(r)]
	//lint:ignore S1001 for a model's few inputs the loop is ~2 ns faster than memmove
	for i, v := range p {
		r[i] = v
	}
}

// LoadState sets only the state components y[lo:hi].
func (m *Machine) LoadState(lo int, y []float64) {
	r := m.regs[lo : lo+len(y)]
	//lint:ignore S1001 for a model's few inputs the loop is ~2 ns faster than memmove
	for i, v := range y {
		r[i] = v
	}
}

// SetTime sets only t.
func (m *Machine) SetTime(t float64) { m.regs[m.dim+m.npar] = t }

// Root returns the value of root k of program p after Run(p).
func (m *Machine) Root(p, k int) float64 { return m.regs[m.progs[p].roots[k]] }

// Roots copies every root of program p into dst after Run(p).
func (m *Machine) Roots(p int, dst []float64) {
	m.CopyRoots(p, 0, dst[:len(m.progs[p].roots)])
}

// CopyRoots copies roots lo, lo+1, … of program p into dst (one per
// element) after Run(p).
func (m *Machine) CopyRoots(p, lo int, dst []float64) {
	roots := m.progs[p].roots[lo : lo+len(dst)]
	r := unsafe.Pointer(unsafe.SliceData(m.regs))
	for k, rt := range roots {
		dst[k] = *at(r, rt)
	}
}

// AddRoots adds roots lo, lo+1, … of program p to dst (one per element)
// after Run(p).
func (m *Machine) AddRoots(p, lo int, dst []float64) {
	roots := m.progs[p].roots[lo : lo+len(dst)]
	r := unsafe.Pointer(unsafe.SliceData(m.regs))
	for k, rt := range roots {
		dst[k] += *at(r, rt)
	}
}

// at is register i of the file at base. NewMachine has checked every
// operand against the file's length (validate).
func at(base unsafe.Pointer, i int32) *float64 {
	return (*float64)(unsafe.Add(base, uintptr(i)*8))
}

// Run evaluates program p on the loaded inputs.
//
// Products are converted explicitly (float64(a*b)) before they are added:
// the conversion forbids the compiler to fuse them into an FMA, so every
// superinstruction rounds like the separate operations.
func (m *Machine) Run(p int) {
	code := m.progs[p].code
	if len(code) == 0 {
		return
	}
	r := unsafe.Pointer(unsafe.SliceData(m.regs))
	// An index loop, not a pointer walk: a pointer stepped one past the
	// end of code is invalid in Go and can make the garbage collector
	// fail ("found pointer to free object").
	for i := range code {
		in := &code[i]
		switch in.op {
		case vMulDiff:
			*at(r, in.dst) = *at(r, in.a) * (*at(r, in.b) - *at(r, in.c))
		case vMulAdd:
			*at(r, in.dst) = float64(*at(r, in.a)**at(r, in.b)) + *at(r, in.c)
		case vMulSub:
			*at(r, in.dst) = float64(*at(r, in.a)**at(r, in.b)) - *at(r, in.c)
		case vSubMul:
			*at(r, in.dst) = *at(r, in.c) - float64(*at(r, in.a)**at(r, in.b))
		case vMulAddMul:
			*at(r, in.dst) = float64(*at(r, in.a)**at(r, in.b)) + float64(*at(r, in.c)**at(r, in.d))
		case vMulSubMul:
			*at(r, in.dst) = float64(*at(r, in.a)**at(r, in.b)) - float64(*at(r, in.c)**at(r, in.d))
		case vMulSum:
			*at(r, in.dst) = *at(r, in.a) * (*at(r, in.b) + *at(r, in.c))
		case vMulDiffAdd:
			*at(r, in.dst) = float64(*at(r, in.a)*(*at(r, in.b)-*at(r, in.c))) + *at(r, in.d)
		case vMulDiffSub:
			*at(r, in.dst) = float64(*at(r, in.a)*(*at(r, in.b)-*at(r, in.c))) - *at(r, in.d)
		case vNegMul:
			*at(r, in.dst) = -*at(r, in.a) * *at(r, in.b)
		case vNeg:
			*at(r, in.dst) = -*at(r, in.a)
		case vAdd:
			*at(r, in.dst) = *at(r, in.a) + *at(r, in.b)
		case vSub:
			*at(r, in.dst) = *at(r, in.a) - *at(r, in.b)
		case vMul:
			*at(r, in.dst) = *at(r, in.a) * *at(r, in.b)
		case vDiv:
			*at(r, in.dst) = *at(r, in.a) / *at(r, in.b)
		case vSquare:
			x := *at(r, in.a)
			*at(r, in.dst) = x * x
		case vIfElse:
			if *at(r, in.a) > 0 {
				*at(r, in.dst) = *at(r, in.b)
			} else {
				*at(r, in.dst) = *at(r, in.c)
			}
		default:
			m.slow(in, r)
		}
	}
}

// slow evaluates the instructions that call out (functions, powers, nets)
// or are rare, keeping Run's loop small.
func (m *Machine) slow(in *instr, r unsafe.Pointer) {
	x := *at(r, in.a)
	var v float64
	switch in.op {
	case vPow, vPowK:
		v = math.Pow(x, *at(r, in.b))
	case vLT:
		v = b2f(x < *at(r, in.b))
	case vLE:
		v = b2f(x <= *at(r, in.b))
	case vGT:
		v = b2f(x > *at(r, in.b))
	case vGE:
		v = b2f(x >= *at(r, in.b))
	case vEQ:
		v = b2f(x == *at(r, in.b))
	case vNE:
		v = b2f(x != *at(r, in.b))
	case vMin:
		v = math.Min(x, *at(r, in.b))
	case vMax:
		v = math.Max(x, *at(r, in.b))
	case vNet:
		m.runNet(in.a)
		return
	case vNetJac:
		m.runNetJac(in.a, in.b)
		return
	default:
		v = call1(in.op, x)
	}
	*at(r, in.dst) = v
}

// call1 evaluates the functions of one argument, kept out of Run so that
// its loop stays small.
func call1(op vop, x float64) float64 {
	switch op {
	case vSin:
		return math.Sin(x)
	case vCos:
		return math.Cos(x)
	case vTan:
		return math.Tan(x)
	case vExp:
		return math.Exp(x)
	case vLog:
		return math.Log(x)
	case vSqrt:
		return math.Sqrt(x)
	case vAbs:
		return math.Abs(x)
	case vTanh:
		return math.Tanh(x)
	case vSigmoid:
		return Sigmoid(x)
	case vSoftplus:
		return Softplus(x)
	case vRelu:
		return apply1(OpRelu, x)
	case vSign:
		return sign(x)
	}
	panic(fmt.Sprintf("dsl: Machine: bad operation %d", op))
}

func (m *Machine) runNet(i int32) {
	nc := &m.nets[i]
	r := m.regs
	for j, s := range nc.in {
		nc.x[j] = r[s]
	}
	nc.fn.Forward(nc.x, nc.y, 1)
	for j, d := range nc.out {
		r[d] = nc.y[j]
	}
	nc.cached = true
}

// runNetJac writes row o of net i's input Jacobian, ∂U_o/∂x, by one
// back-propagation of the unit vector e_o. The net's cached pass stays at
// the same inputs.
func (m *Machine) runNetJac(i, o int32) {
	nc := &m.nets[i]
	r := m.regs
	for j, s := range nc.in {
		nc.x[j] = r[s]
	}
	clear(nc.gy)
	nc.gy[o] = 1
	nc.fn.VJP(nc.x, nc.gy, nc.gx, nil, 1)
	for j, d := range nc.jac[o] {
		r[d] = nc.gx[j]
	}
}

// reverseNetJac propagates the adjoint g of row o of net i's input
// Jacobian to the inputs and the net's parameters: the gradient of
// e_oᵀ(∂U/∂x)·g with respect to (x, θ), one second-order product.
func (m *Machine) reverseNetJac(i, o int32, ap []float64) {
	nc := &m.nets[i]
	nonzero := false
	for j, s := range nc.jac[o] {
		nc.dx[j] = m.adj[s]
		nonzero = nonzero || nc.dx[j] != 0
	}
	if !nonzero {
		return
	}
	f2, ok := nc.fn.(NetFunc2)
	if !ok {
		panic("dsl: Machine.Reverse through the input Jacobian of net " + nc.net.Name + " needs second derivatives (a NetFunc2)")
	}
	for j, s := range nc.in {
		nc.x[j] = m.regs[s]
	}
	clear(nc.gdy)
	nc.gdy[o] = 1
	var gp []float64
	if ap != nil {
		gp = ap[nc.net.ParamOffset : nc.net.ParamOffset+nc.net.NumParams]
	}
	f2.VJPJVP(nc.x, nc.dx, nil, nc.gdy, nc.gx2, nil, gp, 1)
	for j, s := range nc.in {
		m.adj[s] += nc.gx2[j]
	}
	// The net's cached pass is no longer the plain forward one.
	nc.cached = false
}

// Reverse propagates the adjoint a (one entry per root of program p)
// back through the last Run(p): it overwrites ay (length dim, nil to skip)
// with aᵀ∂roots/∂y, accumulates ap += aᵀ∂roots/∂θ (declared parameters
// first, then each net's parameters at its ParamOffset; nil to skip), and
// returns aᵀ∂roots/∂t. A net that caches its forward pass (a Backward
// method, as *nn.MLP has) is back-propagated through the pass of that Run.
func (m *Machine) Reverse(p int, a, ay, ap []float64) float64 {
	clear(m.adj)
	prog := &m.progs[p]
	a = a[:len(prog.roots)]
	for k, rt := range prog.roots {
		m.adj[rt] += a[k]
	}
	r := unsafe.Pointer(unsafe.SliceData(m.regs))
	g := unsafe.Pointer(unsafe.SliceData(m.adj))
	code := prog.code
	for i := len(code) - 1; i >= 0; i-- {
		in := &code[i]
		if in.op == vNet {
			m.reverseNet(in.a, ap)
			continue
		}
		if in.op == vNetJac {
			m.reverseNetJac(in.a, in.b, ap)
			continue
		}
		d := *at(g, in.dst)
		if d == 0 {
			continue
		}
		x := *at(r, in.a)
		switch in.op {
		case vMulDiff:
			s := *at(r, in.b) - *at(r, in.c)
			*at(g, in.a) += d * s
			*at(g, in.b) += d * x
			*at(g, in.c) -= d * x
		case vMulSum:
			s := *at(r, in.b) + *at(r, in.c)
			*at(g, in.a) += d * s
			*at(g, in.b) += d * x
			*at(g, in.c) += d * x
		case vMulDiffAdd, vMulDiffSub:
			s := *at(r, in.b) - *at(r, in.c)
			*at(g, in.a) += d * s
			*at(g, in.b) += d * x
			*at(g, in.c) -= d * x
			if in.op == vMulDiffAdd {
				*at(g, in.d) += d
			} else {
				*at(g, in.d) -= d
			}
		case vMulAdd:
			*at(g, in.a) += d * *at(r, in.b)
			*at(g, in.b) += d * x
			*at(g, in.c) += d
		case vMulSub:
			*at(g, in.a) += d * *at(r, in.b)
			*at(g, in.b) += d * x
			*at(g, in.c) -= d
		case vSubMul:
			*at(g, in.a) -= d * *at(r, in.b)
			*at(g, in.b) -= d * x
			*at(g, in.c) += d
		case vMulAddMul:
			*at(g, in.a) += d * *at(r, in.b)
			*at(g, in.b) += d * x
			*at(g, in.c) += d * *at(r, in.d)
			*at(g, in.d) += d * *at(r, in.c)
		case vMulSubMul:
			*at(g, in.a) += d * *at(r, in.b)
			*at(g, in.b) += d * x
			*at(g, in.c) -= d * *at(r, in.d)
			*at(g, in.d) -= d * *at(r, in.c)
		case vNegMul:
			*at(g, in.a) -= d * *at(r, in.b)
			*at(g, in.b) += d * -x
		case vNeg:
			*at(g, in.a) -= d
		case vAdd:
			*at(g, in.a) += d
			*at(g, in.b) += d
		case vSub:
			*at(g, in.a) += d
			*at(g, in.b) -= d
		case vMul:
			*at(g, in.a) += d * *at(r, in.b)
			*at(g, in.b) += d * x
		case vDiv:
			y := *at(r, in.b)
			*at(g, in.a) += d / y
			*at(g, in.b) -= d * *at(r, in.dst) / y
		case vPow:
			y := *at(r, in.b)
			*at(g, in.a) += d * y * math.Pow(x, y-1)
			if p := *at(r, in.dst); p != 0 { // 0 where x^y is (see Diff)
				*at(g, in.b) += d * p * math.Log(x)
			}
		case vPowK:
			k := *at(r, in.b)
			*at(g, in.a) += d * k * math.Pow(x, k-1)
		case vSquare:
			*at(g, in.a) += d * 2 * x
		case vLT, vLE, vGT, vGE, vEQ, vNE, vSign:
		case vMin:
			if x < *at(r, in.b) {
				*at(g, in.a) += d
			} else {
				*at(g, in.b) += d
			}
		case vMax:
			if x > *at(r, in.b) {
				*at(g, in.a) += d
			} else {
				*at(g, in.b) += d
			}
		case vIfElse:
			if x > 0 {
				*at(g, in.b) += d
			} else {
				*at(g, in.c) += d
			}
		default:
			*at(g, in.a) += d * deriv1(in.op, x, *at(r, in.dst))
		}
	}
	if ay != nil {
		copy(ay[:m.dim], m.adj[:m.dim])
	}
	if ap != nil {
		gp := m.adj[m.dim : m.dim+m.npar]
		for k, v := range gp {
			ap[k] += v
		}
	}
	return m.adj[m.dim+m.npar]
}

// deriv1 is f'(x) for the functions of one argument, given y = f(x).
func deriv1(op vop, x, y float64) float64 {
	switch op {
	case vSin:
		return math.Cos(x)
	case vCos:
		return -math.Sin(x)
	case vTan:
		return 1 + y*y
	case vExp:
		return y
	case vLog:
		return 1 / x
	case vSqrt:
		return 0.5 / y
	case vAbs:
		return sign(x)
	case vTanh:
		return 1 - y*y
	case vSigmoid:
		return y * (1 - y)
	case vSoftplus:
		return Sigmoid(x)
	case vRelu:
		if x > 0 {
			return 1
		}
		return 0
	}
	panic(fmt.Sprintf("dsl: Machine: bad operation %d", op))
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
	var gp []float64
	if ap != nil {
		gp = ap[nc.net.ParamOffset : nc.net.ParamOffset+nc.net.NumParams]
	}
	if b, ok := nc.fn.(netBackward); ok && nc.cached {
		b.Backward(nc.gy, nc.gx, gp)
	} else {
		for j, s := range nc.in {
			nc.x[j] = m.regs[s]
		}
		nc.fn.VJP(nc.x, nc.gy, nc.gx, gp, 1)
	}
	for j, s := range nc.in {
		m.adj[s] += nc.gx[j]
	}
}

var vopNames = [numVops]string{
	vNop: "nop", vNeg: "neg", vAdd: "add", vSub: "sub", vMul: "mul", vDiv: "div", vPow: "pow",
	vPowK: "powk", vSquare: "square", vLT: "lt", vLE: "le", vGT: "gt", vGE: "ge", vEQ: "eq", vNE: "ne",
	vSin: "sin", vCos: "cos", vTan: "tan", vExp: "exp", vLog: "log", vSqrt: "sqrt", vAbs: "abs",
	vTanh: "tanh", vSigmoid: "sigmoid", vSoftplus: "softplus", vRelu: "relu", vSign: "sign",
	vMin: "min", vMax: "max", vIfElse: "ifelse", vNet: "net", vNetJac: "netjac",
	vMulAdd: "muladd", vMulSub: "mulsub", vSubMul: "submul", vMulAddMul: "muladdmul",
	vMulSubMul: "mulsubmul", vMulDiff: "muldiff", vMulSum: "mulsum", vMulDiffAdd: "muldiffadd",
	vMulDiffSub: "muldiffsub", vNegMul: "negmul",
}

var vopArity = [numVops]int{
	vIfElse: 3, vMulAdd: 3, vMulSub: 3, vSubMul: 3, vMulDiff: 3, vMulSum: 3,
	vMulAddMul: 4, vMulSubMul: 4, vMulDiffAdd: 4, vMulDiffSub: 4,
	vAdd: 2, vSub: 2, vMul: 2, vDiv: 2, vPow: 2, vPowK: 2, vLT: 2, vLE: 2, vGT: 2, vGE: 2,
	vEQ: 2, vNE: 2, vMin: 2, vMax: 2, vNegMul: 2,
}

// Disasm lists program p, one instruction per line ("r9 = mulsub r0 r3
// r1"), then its roots; registers 0… are the inputs (states, declared
// parameters, t). It is meant for debugging and tests.
func (m *Machine) Disasm(p int) string {
	var sb strings.Builder
	for _, in := range m.progs[p].code {
		if in.op == vNet {
			nc := m.nets[in.a]
			fmt.Fprintf(&sb, "%v = net%d %v\n", regList(nc.out), in.a, regList(nc.in))
			continue
		}
		if in.op == vNetJac {
			nc := m.nets[in.a]
			fmt.Fprintf(&sb, "%v = netjac%d[%d] %v\n", regList(nc.jac[in.b]), in.a, in.b, regList(nc.in))
			continue
		}
		fmt.Fprintf(&sb, "r%d = %s", in.dst, vopNames[in.op])
		ar := vopArity[in.op]
		if ar == 0 {
			ar = 1
		}
		for _, r := range []int32{in.a, in.b, in.c, in.d}[:ar] {
			fmt.Fprintf(&sb, " r%d", r)
		}
		sb.WriteByte('\n')
	}
	fmt.Fprintf(&sb, "roots %v\n", regList(m.progs[p].roots))
	return sb.String()
}

func regList(rs []int32) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = "r" + strconv.Itoa(int(r))
	}
	return "[" + strings.Join(s, " ") + "]"
}
