package codegen

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"

	"github.com/nodekit/nodekit/dsl"
)

// soaKernels writes a structure-of-arrays method (name, with the
// signature of FuncSoA) as a straight-line sequence of calls to
// runtime/simd's elementwise kernels: every node of the CSE'd DAG that
// varies over the batch becomes one row of batch values, computed by one
// call over the whole row, in topological order. It is the program a GPU
// backend would emit as one kernel.
//
// Nodes that do not vary (parameters, constants, t) are computed once as
// scalars and enter the kernels as scalar operands (VScale, VAddScalar).
// Arithmetic uses only kernels that round exactly as the scalar
// expression (none fuses a multiply and an add); exp, tanh, sigmoid and
// softplus use simd's vector functions (within 1.5 ulp, so they may
// differ from package math in the last bit or two). Other operations
// (division by a scalar, sin, log, pow, comparisons…) run as one scalar
// loop over the row with the scalar form's math function.
//
// Rows are recycled after their last use (kernels may write in place), so
// the scratch held by the model is the DAG's widest live set, not its
// size. Each net runs once on the whole batch, as in the fused loop.
//
// The sequence runs on tiles of soaTile states, so that the rows of a
// tile stay in the first-level caches whatever the batch size; a GPU
// backend would map tiles to thread blocks.
//
// It returns the number of scratch rows the method needs.
func (g *gen) soaKernels(doc, name string, roots []*dsl.Expr, dstName string) int {
	var pre, body bytes.Buffer
	usedParam := map[int]bool{}
	s0 := g.newScope(&pre)
	s0.param = func(i int) string {
		usedParam[i] = true
		return "p" + strconv.Itoa(i)
	}
	varies := g.variesFunc()
	netOrder := g.netOrder(roots)
	w := func(format string, args ...any) { fmt.Fprintf(&body, format, args...) }

	// Uses of every row-valued node: by the varying nodes that read it, by
	// a net's input gather and by the roots (which pin it to the end).
	all := append([]*dsl.Expr{}, roots...)
	for _, k := range netOrder {
		all = append(all, g.nets[k].Inputs...)
	}
	uses := map[*dsl.Expr]int{}
	dsl.Walk(all, func(e *dsl.Expr) {
		if e.Op.IsLeaf() || !varies(e) {
			return
		}
		for _, a := range e.Args {
			if varies(a) {
				uses[a]++
			}
		}
	})
	for _, k := range netOrder {
		for _, in := range g.nets[k].Inputs {
			uses[in]++
		}
	}
	pinned := map[*dsl.Expr]bool{}
	for _, r := range roots {
		pinned[r] = true
	}

	// A root that only the roots read is computed straight into its
	// destination row (dY must not overlap Y).
	target := map[*dsl.Expr]string{}
	rootCount := map[*dsl.Expr]int{}
	for _, r := range roots {
		rootCount[r]++
	}
	for i, r := range roots {
		if varies(r) && r.Op != dsl.OpState && rootCount[r] == 1 && uses[r] == 0 {
			target[r] = "d" + strconv.Itoa(i)
		}
	}

	// Scratch rows: w0, w1, … of length batch, recycled.
	nrows := 0
	var free []int
	rowOf := map[*dsl.Expr]string{}
	scratchRow := map[*dsl.Expr]int{}
	alloc := func(e *dsl.Expr) string {
		if d, ok := target[e]; ok {
			rowOf[e] = d
			return d
		}
		var i int
		if len(free) > 0 {
			sort.Sort(sort.Reverse(sort.IntSlice(free)))
			i = free[len(free)-1]
			free = free[:len(free)-1]
		} else {
			i = nrows
			nrows++
		}
		scratchRow[e] = i
		rowOf[e] = "w" + strconv.Itoa(i)
		return rowOf[e]
	}
	release := func(e *dsl.Expr) {
		uses[e]--
		if uses[e] > 0 || pinned[e] {
			return
		}
		if i, ok := scratchRow[e]; ok {
			free = append(free, i)
		}
	}

	usedState := map[int]bool{}
	ranNet := map[int]bool{}
	// operand returns a row-valued node's row name (isRow) or a uniform
	// node's scalar expression.
	var operand func(e *dsl.Expr) (string, bool)
	runNet := func(k int) {
		n := g.nets[k]
		in := len(n.Inputs)
		ops := make([]string, in)
		isRow := make([]bool, in)
		for j, x := range n.Inputs {
			ops[j], isRow[j] = operand(x)
		}
		for j := range n.Inputs {
			v := ops[j]
			if isRow[j] {
				v += "[r]"
			}
			w("for r := range nb {\nm.n%dbx[r*%d+%d] = %s\n}\n", k, in, j, v)
		}
		for _, x := range n.Inputs {
			if varies(x) {
				release(x)
			}
		}
		w("m.n%d.Forward(m.n%dbx[:nb*%d], m.n%dby[:nb*%d], nb)\n", k, k, in, k, n.Out)
	}
	operand = func(e *dsl.Expr) (string, bool) {
		if !varies(e) {
			return s0.atom(e), false
		}
		if e.Op == dsl.OpState {
			usedState[e.Index] = true
			return "y" + strconv.Itoa(e.Index), true
		}
		if r, ok := rowOf[e]; ok {
			return r, true
		}
		switch e.Op {
		case dsl.OpNet:
			if !ranNet[e.Index] {
				ranNet[e.Index] = true
				runNet(e.Index)
			}
			d := alloc(e)
			w("for r := range nb {\n%s[r] = m.n%dby[r*%d+%d]\n}\n", d, e.Index, g.nets[e.Index].Out, e.Out)
			return d, true
		case dsl.OpNetJac:
			panic("codegen: internal error: net Jacobian in a batched form")
		}
		args := make([]string, len(e.Args))
		isRow := make([]bool, len(e.Args))
		for i, a := range e.Args {
			args[i], isRow[i] = operand(a)
		}
		// Operands die before the result is allocated, so a kernel can
		// write in place over its last use.
		for i, a := range e.Args {
			if isRow[i] && a.Op != dsl.OpState {
				release(a)
			}
		}
		d := alloc(e)
		g.kernelCall(&body, e, d, args, isRow)
		return d, true
	}

	// Roots, then the stores of those not computed in place.
	vals := make([]string, len(roots))
	rows := make([]bool, len(roots))
	for i, r := range roots {
		vals[i], rows[i] = operand(r)
	}
	for _, k := range netOrder { // nets whose outputs no root reads
		if !ranNet[k] {
			ranNet[k] = true
			runNet(k)
		}
	}
	for i := range roots {
		if rows[i] && vals[i] == "d"+strconv.Itoa(i) {
			continue
		}
		if rows[i] {
			w("copy(d%d, %s)\n", i, vals[i])
		} else {
			w("for r := range d%d {\nd%d[r] = %s\n}\n", i, i, unparen(vals[i]))
		}
	}

	out := &g.out
	fmt.Fprintf(out, "%s\nfunc (m *%s) %s(t float64, Y, %s []float64, batch int) {\n", doc, g.typ, name, dstName)
	var pidx []int
	for i := range usedParam {
		pidx = append(pidx, i)
	}
	sort.Ints(pidx)
	for _, i := range pidx {
		fmt.Fprintf(out, "p%d := %s\n", i, g.paramRef(i))
	}
	if len(netOrder) > 0 {
		fmt.Fprintf(out, "m.growBatch(min(batch, %d))\n", soaTile)
	}
	if nrows > 0 {
		fmt.Fprintf(out, "ws := m.scratch(%d * min(batch, %d))\n", nrows, soaTile)
	}
	out.Write(pre.Bytes())
	fmt.Fprintf(out, "for lo := 0; lo < batch; lo += %d {\nnb := min(batch-lo, %d)\n", soaTile, soaTile)
	var sidx []int
	for i := range usedState {
		sidx = append(sidx, i)
	}
	sort.Ints(sidx)
	for _, i := range sidx {
		fmt.Fprintf(out, "y%d := Y[%d*batch+lo : %d*batch+lo+nb : %d*batch+lo+nb]\n", i, i, i, i)
	}
	for i := range roots {
		fmt.Fprintf(out, "d%d := %s[%d*batch+lo : %d*batch+lo+nb : %d*batch+lo+nb]\n", i, dstName, i, i, i)
	}
	for i := 0; i < nrows; i++ {
		fmt.Fprintf(out, "w%d := ws[%d*nb : %d*nb : %d*nb]\n", i, i, i+1, i+1)
	}
	out.Write(body.Bytes())
	out.WriteString("}\n")
	out.WriteString("}\n\n")
	return nrows
}

// vmathKernel names runtime/simd's vector function for each operation it
// has one for (within 1.5 ulp of the exact value, like package math's).
var vmathKernel = map[dsl.Op]string{
	dsl.OpExp: "VExp", dsl.OpTanh: "VTanh", dsl.OpSigmoid: "VSigmoid", dsl.OpSoftplus: "VSoftplus",
}

// soaTile is the number of states the kernel form processes per pass of
// its straight-line sequence: its rows (8 KiB each at 1024) stay in cache.
const soaTile = 1024

// kernelCall writes the call (or scalar loop) that computes node e over
// a batch into row dst, from operands that are rows (isRow) or scalars.
// Arithmetic kernels round exactly as the scalar expression.
func (g *gen) kernelCall(w *bytes.Buffer, e *dsl.Expr, dst string, a []string, isRow []bool) {
	pr := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	neg := func(s string) string { return "-" + s }
	switch e.Op {
	case dsl.OpNeg:
		pr("simd.VNeg(%s, %s)\n", dst, a[0])
		return
	case dsl.OpAdd:
		switch {
		case isRow[0] && isRow[1]:
			pr("simd.VAdd(%s, %s, %s)\n", dst, a[0], a[1])
		case isRow[0]:
			pr("simd.VAddScalar(%s, %s, %s)\n", dst, a[1], a[0])
		default: // s + x = x + s exactly
			pr("simd.VAddScalar(%s, %s, %s)\n", dst, a[0], a[1])
		}
		return
	case dsl.OpSub:
		switch {
		case isRow[0] && isRow[1]:
			pr("simd.VSub(%s, %s, %s)\n", dst, a[0], a[1])
		case isRow[0]: // x − s = x + (−s) exactly
			pr("simd.VAddScalar(%s, %s, %s)\n", dst, neg(a[1]), a[0])
		default: // s − x = (−x) + s exactly
			pr("simd.VNeg(%s, %s)\nsimd.VAddScalar(%s, %s, %s)\n", dst, a[1], dst, a[0], dst)
		}
		return
	case dsl.OpMul:
		switch {
		case isRow[0] && isRow[1] && e.Args[0] == e.Args[1]:
			pr("simd.VSquare(%s, %s)\n", dst, a[0])
		case isRow[0] && isRow[1]:
			pr("simd.VMul(%s, %s, %s)\n", dst, a[0], a[1])
		case isRow[0]:
			pr("simd.VScale(%s, %s, %s)\n", dst, a[1], a[0])
		default:
			pr("simd.VScale(%s, %s, %s)\n", dst, a[0], a[1])
		}
		return
	case dsl.OpDiv:
		if isRow[0] && isRow[1] {
			pr("simd.VDiv(%s, %s, %s)\n", dst, a[0], a[1])
			return
		}
	case dsl.OpPow:
		if e.Args[1].IsConst(2) { // x·x, as the scalar form
			pr("simd.VSquare(%s, %s)\n", dst, a[0])
			return
		}
	case dsl.OpExp, dsl.OpTanh, dsl.OpSigmoid, dsl.OpSoftplus:
		if isRow[0] {
			pr("simd.%s(%s, %s)\n", vmathKernel[e.Op], dst, a[0])
			return
		}
	}
	// One scalar loop over the row.
	el := make([]string, len(a))
	for i := range a {
		el[i] = a[i]
		if isRow[i] {
			el[i] += "[r]"
		}
	}
	pr("for r := range %s {\n%s[r] = %s\n}\n", dst, dst, g.apply(e, el))
}
