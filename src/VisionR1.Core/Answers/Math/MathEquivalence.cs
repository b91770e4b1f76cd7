using System.Numerics;

namespace VisionR1.Answers.Math;

/// <summary>
/// Decides whether two parsed answers are the same (answers.md, "Comparison"): exact rationals for
/// numbers; rounding when a decimal is involved; numeric identity at several deterministic points for
/// expressions with variables; structural rules for sets, tuples, intervals and matrices; equations up
/// to a nonzero factor; flipped inequalities; percent as x or x/100. One instance serves one comparison.
/// </summary>
internal sealed class MathEquivalence
{
    private const int MaxVariants = 8;
    private readonly ComputeBudget _budget;
    private readonly MathVerifierOptions _options;
    private readonly int? _precision;

    public MathEquivalence(ComputeBudget budget, MathVerifierOptions options, int? precision)
    {
        _budget = budget;
        _options = options;
        _precision = precision;
    }

    /// <summary>Why the last comparison failed.</summary>
    public string Reason { get; private set; } = "";

    public bool Equal(MathNode gold, MathNode pred)
    {
        _budget.Tick();
        // "x = 2 and x = 3" against "2, 3"; "p=5, q=2; p=7, q=2" against "(5, 2), (7, 2)": when only one side
        // is a list of assignments, it is read as the values it assigns (two such lists compare as equations).
        var ga = gold is ListNode gl ? Assignments(gl) : null;
        var pa = pred is ListNode pl ? Assignments(pl) : null;
        if (ga is not null && pa is null) gold = ga;
        else if (pa is not null && ga is null) pred = pa;
        gold = ExpandTop(gold);
        pred = ExpandTop(pred);
        if (gold is RelationNode gr && pred is RelationNode pr) return RelationsEqual(gr, pr);
        if (gold is RelationNode g1)
        {
            if (pred is IntervalNode or UnionNode or TupleNode { Parenthesised: true, Items.Count: 2 } && ToInterval(g1) is { } gi) return Equal(gi, pred);
            return FinalSide(g1) is { } gv ? Equal(gv, pred) : Fail("an equation is not a value");
        }
        if (pred is RelationNode p1)
        {
            if (gold is IntervalNode or UnionNode or TupleNode { Parenthesised: true, Items.Count: 2 } && ToInterval(p1) is { } pi) return Equal(gold, pi);
            return FinalSide(p1) is { } pv ? Equal(gold, pv) : Fail("an equation is not a value");
        }
        return StructureEqual(gold, pred);
    }

    private bool Fail(string reason)
    {
        Reason = reason;
        return false;
    }

    // ---------- ± expansion ----------

    private MathNode ExpandTop(MathNode n)
    {
        switch (n)
        {
            case ListNode l when l.Items.Count > 1 && l.Items.All(i => i is RelationNode r && ToInterval(r) is not null):
                // "x < -1 or x > 1" is the union (-∞, -1) ∪ (1, ∞).
                return new UnionNode(l.Items.Select(i => ToInterval((RelationNode)i)!).ToList());
            case ListNode l: return new ListNode(ExpandItems(l.Items));
            case SetNode s: return new SetNode(ExpandItems(s.Items));
            case RelationNode or TupleNode or IntervalNode or UnionNode or MatrixNode: return n;
            case SumNode or ProductNode or NegateNode when MatrixValue(n) is { } m: return m;
        }
        if (!ContainsPlusMinus(n)) return n;
        var v = Variants(n);
        return v.Count == 1 ? v[0] : new ListNode(v);
    }

    /// <summary>
    /// A list of assignments <c>name = value</c> whose names repeat with a period k (x, x, … or p, q, p, q, …):
    /// the values, grouped into k-tuples when k &gt; 1 (one tuple when the names do not repeat). Null otherwise.
    /// </summary>
    private static MathNode? Assignments(ListNode l)
    {
        if (l.Items.Count < 2 || l.Items.Count > 64) return null;
        var names = new List<string>(l.Items.Count);
        var values = new List<MathNode>(l.Items.Count);
        foreach (var item in l.Items)
        {
            if (item is not RelationNode { Ops: [RelationOp.Equal], Sides: [SymbolNode name, var value] } || value is RelationNode) return null;
            names.Add(name.Name);
            values.Add(value);
        }
        int k = names.IndexOf(names[0], 1);
        if (k < 0) k = names.Count;
        if (names.Count % k != 0) return null;
        for (int i = 0; i < names.Count; i++)
        {
            if (!string.Equals(names[i], names[i % k], StringComparison.Ordinal)) return null;
            if (i < k && names.IndexOf(names[i]) != i) return null;
        }
        if (k == 1) return new ListNode(values);
        var tuples = new List<MathNode>(names.Count / k);
        for (int i = 0; i < values.Count; i += k) tuples.Add(new TupleNode(values.GetRange(i, k), true));
        return tuples.Count == 1 ? tuples[0] : new ListNode(tuples);
    }

    private List<MathNode> ExpandItems(IReadOnlyList<MathNode> items)
    {
        var r = new List<MathNode>(items.Count);
        foreach (var it in items)
        {
            if (it is not (RelationNode or TupleNode or IntervalNode or UnionNode or MatrixNode or SetNode or ListNode) && ContainsPlusMinus(it))
                r.AddRange(Variants(it));
            else r.Add(it);
        }
        return r;
    }

    private bool ContainsPlusMinus(MathNode n)
    {
        _budget.Tick();
        return n switch
        {
            PlusMinusNode => true,
            SumNode s => s.Terms.Any(ContainsPlusMinus),
            ProductNode p => p.Factors.Any(ContainsPlusMinus),
            NegateNode g => ContainsPlusMinus(g.Operand),
            DivideNode d => ContainsPlusMinus(d.Numerator) || ContainsPlusMinus(d.Denominator),
            PowerNode w => ContainsPlusMinus(w.Base) || ContainsPlusMinus(w.Exponent),
            FunctionNode f => ContainsPlusMinus(f.Argument),
            PercentNode pc => ContainsPlusMinus(pc.Operand),
            _ => false,
        };
    }

    private List<MathNode> Variants(MathNode n)
    {
        _budget.Tick();
        switch (n)
        {
            case PlusMinusNode pm:
            {
                var rights = Variants(pm.Right);
                var lefts = pm.Left is null ? [null] : Variants(pm.Left).Cast<MathNode?>().ToList();
                var r = new List<MathNode>();
                foreach (var l in lefts)
                foreach (var rv in rights)
                {
                    if (r.Count >= MaxVariants) return r;
                    r.Add(l is null ? rv : new SumNode([l, rv]));
                    r.Add(l is null ? new NegateNode(rv) : new SumNode([l, new NegateNode(rv)]));
                }
                return r;
            }
            case SumNode s: return Combine(s.Terms, xs => new SumNode(xs));
            case ProductNode p: return Combine(p.Factors, xs => new ProductNode(xs));
            case NegateNode g: return Variants(g.Operand).Select(x => (MathNode)new NegateNode(x)).ToList();
            case DivideNode d: return Combine([d.Numerator, d.Denominator], xs => new DivideNode(xs[0], xs[1]));
            case PowerNode w: return Combine([w.Base, w.Exponent], xs => new PowerNode(xs[0], xs[1]));
            case FunctionNode f: return Variants(f.Argument).Select(x => (MathNode)(f with { Argument = x })).ToList();
            case PercentNode pc: return Variants(pc.Operand).Select(x => (MathNode)new PercentNode(x)).ToList();
            default: return [n];
        }
    }

    private List<MathNode> Combine(IReadOnlyList<MathNode> parts, Func<List<MathNode>, MathNode> make)
    {
        var acc = new List<List<MathNode>> { new() };
        foreach (var part in parts)
        {
            var vs = ContainsPlusMinus(part) ? Variants(part) : [part];
            var next = new List<List<MathNode>>();
            foreach (var prefix in acc)
            foreach (var v in vs)
            {
                if (next.Count >= MaxVariants) break;
                next.Add([.. prefix, v]);
            }
            acc = next;
        }
        return acc.Select(make).ToList();
    }

    /// <summary>
    /// Sums, scalar multiples and products of matrices written out as one matrix (entries left as
    /// expressions), so that <c>A + B</c> or <c>I·I</c> compares with its result; null when
    /// <paramref name="n"/> holds no matrix or the shapes do not fit.
    /// </summary>
    private MathNode? MatrixValue(MathNode n)
    {
        _budget.Tick();
        switch (n)
        {
            case MatrixNode m:
                return m;
            case NegateNode g:
                return MatrixValue(g.Operand) is MatrixNode gm ? Map(gm, e => new NegateNode(e)) : null;
            case SumNode s:
            {
                MatrixNode? acc = null;
                foreach (var t in s.Terms)
                {
                    if (MatrixValue(t) is not MatrixNode tm) return null;
                    if (acc is null) { acc = tm; continue; }
                    if (!SameShape(acc, tm)) return null;
                    var a = acc;
                    acc = new MatrixNode(a.Rows.Select((row, i) => (IReadOnlyList<MathNode>)row.Select((e, j) => (MathNode)new SumNode([e, tm.Rows[i][j]])).ToList()).ToList());
                }
                return acc;
            }
            case ProductNode p when p.Factors.Any(f => f is MatrixNode):
            {
                MathNode? scalar = null;
                MatrixNode? acc = null;
                foreach (var f in p.Factors)
                {
                    if (MatrixValue(f) is MatrixNode fm)
                    {
                        if (acc is null) { acc = fm; continue; }
                        acc = Multiply(acc, fm);
                        if (acc is null) return null;
                    }
                    else if (IsScalar(f)) scalar = scalar is null ? f : new ProductNode([scalar, f]);
                    else return null;
                }
                if (acc is null) return null;
                return scalar is null ? acc : Map(acc, e => new ProductNode([scalar, e]));
            }
            default:
                return null;
        }
    }

    private static bool SameShape(MatrixNode a, MatrixNode b) =>
        a.Rows.Count == b.Rows.Count && a.Rows.Select(r => r.Count).SequenceEqual(b.Rows.Select(r => r.Count));

    private static MatrixNode Map(MatrixNode m, Func<MathNode, MathNode> f) =>
        new(m.Rows.Select(r => (IReadOnlyList<MathNode>)r.Select(f).ToList()).ToList());

    private MatrixNode? Multiply(MatrixNode a, MatrixNode b)
    {
        int n = a.Rows.Count, k = b.Rows.Count;
        if (a.Rows.Any(r => r.Count != k) || k == 0) return null;
        int m = b.Rows[0].Count;
        if (b.Rows.Any(r => r.Count != m) || (long)n * m * k > 4096) return null;
        var rows = new List<IReadOnlyList<MathNode>>(n);
        for (int i = 0; i < n; i++)
        {
            var row = new List<MathNode>(m);
            for (int j = 0; j < m; j++)
            {
                _budget.Tick(k);
                row.Add(new SumNode(Enumerable.Range(0, k).Select(t => (MathNode)new ProductNode([a.Rows[i][t], b.Rows[t][j]])).ToList()));
            }
            rows.Add(row);
        }
        return new MatrixNode(rows);
    }

    // ---------- relations ----------

    /// <summary>
    /// The value a relation states, when it is a plain assignment: <c>x = 1</c> → 1; a chain
    /// <c>a = … = 11</c> → its last side (sides after an ≈ are approximations and skipped); <c>x ≈ 11</c> → 11.
    /// Null for a genuine equation such as <c>7 = 11a + c</c> or any inequality.
    /// </summary>
    private static MathNode? FinalSide(RelationNode r)
    {
        if (r.Ops.Any(o => o is not (RelationOp.Equal or RelationOp.Approx))) return null;
        int lastEq = -1;
        for (int i = 0; i < r.Ops.Count; i++)
        {
            if (r.Ops[i] == RelationOp.Equal) lastEq = i;
            else if (lastEq >= 0) break;
        }
        if (lastEq < 0) return r.Sides[^1];
        if (r.Sides.Count >= 3) return r.Sides[lastEq + 1];
        return IsNameLike(r.Sides[0]) || (IsConstant(r.Sides[0]) && IsConstant(r.Sides[1])) ? r.Sides[1] : null;
    }

    private static bool IsConstant(MathNode n) => n switch
    {
        NumberNode or ConstantNode => true,
        SymbolNode => false,
        SumNode s => s.Terms.All(IsConstant),
        ProductNode p => p.Factors.All(IsConstant),
        NegateNode g => IsConstant(g.Operand),
        DivideNode d => IsConstant(d.Numerator) && IsConstant(d.Denominator),
        PowerNode w => IsConstant(w.Base) && IsConstant(w.Exponent),
        FunctionNode f => IsConstant(f.Argument) && (f.Parameter is null || IsConstant(f.Parameter)),
        FactorialNode f => IsConstant(f.Operand),
        PercentNode pc => IsConstant(pc.Operand),
        _ => false,
    };

    /// <summary>A left side that names rather than computes: x, x_1, AB, f(x), (p, q), |AB|, V_1:V_2.</summary>
    private static bool IsNameLike(MathNode n) => n switch
    {
        SymbolNode => true,
        ProductNode p => p.Factors.Count <= 4 && p.Factors.All(f => f is SymbolNode || (f is TupleNode or ListNode && IsNameLike(f))),
        // |AB|, V_1:V_2, NO/BO: a length or a ratio of named quantities.
        FunctionNode { Name: "abs", Parameter: null } f => IsNameLike(f.Argument),
        DivideNode d => IsNameLike(d.Numerator) && IsNameLike(d.Denominator),
        TupleNode t => t.Items.All(i => i is SymbolNode),
        ListNode l => l.Items.All(i => i is SymbolNode),
        _ => false,
    };

    private bool RelationsEqual(RelationNode g, RelationNode p)
    {
        bool gEq = g.Ops.All(o => o is RelationOp.Equal or RelationOp.Approx);
        bool pEq = p.Ops.All(o => o is RelationOp.Equal or RelationOp.Approx);
        if (gEq && pEq)
        {
            var (gl, grh) = EquationSides(g);
            var (pl, prh) = EquationSides(p);
            if (StructureEqualQuiet(gl, pl) && StructureEqualQuiet(grh, prh)) return true;
            if (StructureEqualQuiet(gl, prh) && StructureEqualQuiet(grh, pl)) return true;
            if (IsScalar(gl) && IsScalar(grh) && IsScalar(pl) && IsScalar(prh))
                return ProportionalDifference(gl, grh, pl, prh, positiveOnly: false, "equations differ");
            return Fail("equations differ");
        }
        if (gEq != pEq) return Fail("an equation is not an inequality");
        var gn = Orient(g);
        var pn = Orient(p);
        if (gn.Ops.Count != pn.Ops.Count || !gn.Ops.SequenceEqual(pn.Ops)) return Fail("different relations");
        if (gn.Ops.Count == 1)
        {
            if (!IsScalar(gn.Sides[0]) || !IsScalar(gn.Sides[1]) || !IsScalar(pn.Sides[0]) || !IsScalar(pn.Sides[1]))
                return Fail("not scalar relations");
            bool positiveOnly = gn.Ops[0] != RelationOp.NotEqual;
            return ProportionalDifference(gn.Sides[0], gn.Sides[1], pn.Sides[0], pn.Sides[1], positiveOnly, "inequalities differ");
        }
        for (int i = 0; i < gn.Sides.Count; i++)
            if (!StructureEqual(gn.Sides[i], pn.Sides[i])) return Fail("inequality chains differ");
        return true;
    }

    private static (MathNode Left, MathNode Right) EquationSides(RelationNode r)
    {
        var right = FinalSide(r) ?? r.Sides[^1];
        return (r.Sides[0], right);
    }

    /// <summary>Writes a relation with &lt;, ≤ (a &gt; b becomes b &lt; a); mixed chains are left as they are.</summary>
    private static RelationNode Orient(RelationNode r)
    {
        if (r.Ops.All(o => o is RelationOp.Greater or RelationOp.GreaterEqual))
        {
            var sides = r.Sides.Reverse().ToList();
            var ops = r.Ops.Reverse().Select(o => o == RelationOp.Greater ? RelationOp.Less : RelationOp.LessEqual).ToList();
            return new RelationNode(sides, ops);
        }
        return r;
    }

    /// <summary>An inequality in one variable as an interval: x ≥ 5 → [5, ∞); -1 &lt; x &lt; 1 → (-1, 1).</summary>
    private MathNode? ToInterval(RelationNode r)
    {
        var o = Orient(r);
        if (o.Ops.Any(x => x is not (RelationOp.Less or RelationOp.LessEqual))) return null;
        var inf = new ConstantNode(MathConstant.Infinity);
        if (o.Sides.Count == 2)
        {
            if (o.Sides[0] is SymbolNode && !HasSymbols(o.Sides[1]))
                return new IntervalNode(new NegateNode(inf), o.Sides[1], false, o.Ops[0] == RelationOp.LessEqual);
            if (o.Sides[1] is SymbolNode && !HasSymbols(o.Sides[0]))
                return new IntervalNode(o.Sides[0], inf, o.Ops[0] == RelationOp.LessEqual, false);
        }
        if (o.Sides.Count == 3 && (o.Sides[1] is SymbolNode || IsNameLike(o.Sides[1])) && !HasSymbols(o.Sides[0]) && !HasSymbols(o.Sides[2]))
            return new IntervalNode(o.Sides[0], o.Sides[2], o.Ops[0] == RelationOp.LessEqual, o.Ops[1] == RelationOp.LessEqual);
        return null;
    }

    /// <summary>(gr − gl) = c·(pr − pl) for one constant c, nonzero (positive for inequalities), at every test point.</summary>
    private bool ProportionalDifference(MathNode gl, MathNode grh, MathNode pl, MathNode prh, bool positiveOnly, string failure)
    {
        var g = new SumNode([grh, new NegateNode(gl)]);
        var p = new SumNode([prh, new NegateNode(pl)]);
        var vars = new SortedSet<string>(StringComparer.Ordinal);
        CollectSymbols(g, vars);
        CollectSymbols(p, vars);
        Complex? ratio = null;
        int valid = 0;
        foreach (var env in Points(vars, 12))
        {
            var a = MathEvaluator.Eval(g, env, _budget);
            var b = MathEvaluator.Eval(p, env, _budget);
            if (!MathEvaluator.IsDefined(a) || !MathEvaluator.IsDefined(b)) continue;
            bool aZero = Complex.Abs(a) < 1e-12, bZero = Complex.Abs(b) < 1e-12;
            if (aZero || bZero)
            {
                if (aZero != bZero) return Fail(failure);
                continue;
            }
            var q = a / b;
            if (ratio is null)
            {
                if (positiveOnly && (q.Real <= 0 || System.Math.Abs(q.Imaginary) > 1e-9 * Complex.Abs(q))) return Fail(failure);
                ratio = q;
            }
            else if (!Close(q, ratio.Value, 1e-6)) return Fail(failure);
            if (++valid >= 6) break;
        }
        if (ratio is null)
        {
            // Both differences vanish everywhere (e.g. 1 = 1): only the same statement matches.
            return valid == 0 && vars.Count == 0 ? StructureEqualQuiet(gl, pl) && StructureEqualQuiet(grh, prh) || Fail(failure) : Fail(failure);
        }
        return true;
    }

    // ---------- structures ----------

    private bool StructureEqualQuiet(MathNode a, MathNode b)
    {
        var saved = Reason;
        bool r = StructureEqual(a, b);
        Reason = saved;
        return r;
    }

    private static bool IsScalar(MathNode n) =>
        n is not (ListNode or SetNode or TupleNode or IntervalNode or UnionNode or MatrixNode or RelationNode or PlusMinusNode);

    private bool StructureEqual(MathNode g, MathNode p)
    {
        _budget.Tick();
        switch (g, p)
        {
            case (RelationNode, _) or (_, RelationNode):
                return Equal(g, p);
            case (ListNode gl, ListNode pl):
                return Unordered(gl.Items, pl.Items);
            case (ListNode gl, SetNode ps):
                return Unordered(gl.Items, ps.Items);
            case (SetNode gs, ListNode pl):
                return Unordered(gs.Items, pl.Items);
            case (SetNode gs, SetNode ps):
                return Unordered(gs.Items, ps.Items);
            case (ListNode gl, TupleNode pt):
                return Ordered(gl.Items, pt.Items);
            case (TupleNode gt, ListNode pl):
                return Ordered(gt.Items, pl.Items);
            case (TupleNode gt, TupleNode pt):
                return Ordered(gt.Items, pt.Items);
            case (IntervalNode gi, IntervalNode pi):
                return IntervalsEqual(gi, pi);
            case (TupleNode { Parenthesised: true, Items.Count: 2 } gt, IntervalNode { LowClosed: false, HighClosed: false } pi):
                return Ordered(gt.Items, [pi.Low, pi.High]);
            case (IntervalNode { LowClosed: false, HighClosed: false } gi, TupleNode { Parenthesised: true, Items.Count: 2 } pt):
                return Ordered([gi.Low, gi.High], pt.Items);
            case (UnionNode gu, UnionNode pu):
                return Unordered(gu.Parts, pu.Parts, strictCount: true);
            case (MatrixNode gm, MatrixNode pm):
                return MatricesEqual(gm, pm);
            case (MatrixNode gm, TupleNode or ListNode) when Vector(gm) is { } gv:
                return Ordered(gv, Items(p));
            case (TupleNode or ListNode, MatrixNode pm) when Vector(pm) is { } pv:
                return Ordered(Items(g), pv);
            case (SetNode { Items.Count: 1 } gs, _) when IsScalar(p):
                return StructureEqual(gs.Items[0], p);
            case (_, SetNode { Items.Count: 1 } ps) when IsScalar(g):
                return StructureEqual(g, ps.Items[0]);
        }
        if (IsScalar(g) && IsScalar(p)) return ScalarEqual(g, p);
        return Fail($"different kinds of answer ({Kind(g)} vs {Kind(p)})");
    }

    private static string Kind(MathNode n) => n switch
    {
        ListNode => "list",
        SetNode => "set",
        TupleNode => "tuple",
        IntervalNode => "interval",
        UnionNode => "union",
        MatrixNode => "matrix",
        RelationNode => "relation",
        _ => "expression",
    };

    private static IReadOnlyList<MathNode> Items(MathNode n) => n switch
    {
        TupleNode t => t.Items,
        ListNode l => l.Items,
        _ => [n],
    };

    private static IReadOnlyList<MathNode>? Vector(MatrixNode m)
    {
        if (m.Rows.Count == 1) return m.Rows[0];
        if (m.Rows.All(r => r.Count == 1)) return m.Rows.Select(r => r[0]).ToList();
        return null;
    }

    private bool Ordered(IReadOnlyList<MathNode> a, IReadOnlyList<MathNode> b)
    {
        if (a.Count != b.Count) return Fail($"{a.Count} items vs {b.Count}");
        for (int i = 0; i < a.Count; i++)
            if (!StructureEqual(a[i], b[i])) return Fail($"item {i + 1} differs");
        return true;
    }

    /// <summary>Set semantics: every item of each side has an equal item on the other side.</summary>
    private bool Unordered(IReadOnlyList<MathNode> a, IReadOnlyList<MathNode> b, bool strictCount = false)
    {
        if (strictCount && a.Count != b.Count) return Fail($"{a.Count} parts vs {b.Count}");
        if (a.Count == 0 || b.Count == 0) return a.Count == b.Count || Fail("empty vs non-empty");
        if (a.Count * b.Count > 4096) return Fail("too many items");
        var matched = new bool[b.Count];
        foreach (var x in a)
        {
            bool found = false;
            for (int j = 0; j < b.Count; j++)
            {
                if (StructureEqualQuiet(x, b[j])) { matched[j] = true; found = true; }
            }
            if (!found) return Fail("an item has no match");
        }
        for (int j = 0; j < b.Count; j++)
        {
            if (matched[j]) continue;
            if (!a.Any(x => StructureEqualQuiet(x, b[j]))) return Fail("an item has no match");
        }
        return true;
    }

    private bool IntervalsEqual(IntervalNode a, IntervalNode b)
    {
        if (a.LowClosed != b.LowClosed || a.HighClosed != b.HighClosed) return Fail("interval ends differ (open/closed)");
        return (StructureEqual(a.Low, b.Low) && StructureEqual(a.High, b.High)) || Fail("interval endpoints differ");
    }

    private bool MatricesEqual(MatrixNode a, MatrixNode b)
    {
        if (a.Rows.Count != b.Rows.Count) return Fail("matrix sizes differ");
        for (int i = 0; i < a.Rows.Count; i++)
        {
            if (a.Rows[i].Count != b.Rows[i].Count) return Fail("matrix sizes differ");
            for (int j = 0; j < a.Rows[i].Count; j++)
                if (!StructureEqual(a.Rows[i][j], b.Rows[i][j])) return Fail($"matrix entry ({i + 1},{j + 1}) differs");
        }
        return true;
    }

    // ---------- scalars ----------

    private bool ScalarEqual(MathNode g, MathNode p)
    {
        bool gPct = g is PercentNode, pPct = p is PercentNode;
        var gBase = g is PercentNode gp ? gp.Operand : g;
        var pBase = p is PercentNode pp ? pp.Operand : p;
        if (ScalarEqualCore(gBase, pBase)) return true;
        if (gPct && !pPct && ScalarEqualCore(g, pBase)) return true;
        if (pPct && !gPct && ScalarEqualCore(gBase, p)) return true;
        return false;
    }

    private bool ScalarEqualCore(MathNode g, MathNode p)
    {
        var vars = new SortedSet<string>(StringComparer.Ordinal);
        CollectSymbols(g, vars);
        CollectSymbols(p, vars);
        bool decimals = _precision is not null || HasDecimal(g) || HasDecimal(p);
        if (vars.Count == 0)
        {
            if (MathEvaluator.TryExact(g, _budget, out var ge) && MathEvaluator.TryExact(p, _budget, out var pe))
            {
                if (ge.Equals(pe)) return true;
                if (!decimals) return Fail($"{pe} ≠ {ge}");
                return NumbersClose(new Complex(ge.ToDouble(), 0), new Complex(pe.ToDouble(), 0), true)
                    || Approximates(g, p, ge.ToDouble(), pe.ToDouble()) || Fail("numbers differ");
            }
            var a = MathEvaluator.Eval(g, EmptyEnv, _budget);
            var b = MathEvaluator.Eval(p, EmptyEnv, _budget);
            if (!MathEvaluator.IsDefined(a) || !MathEvaluator.IsDefined(b))
            {
                if (double.IsInfinity(a.Real) && a.Real == b.Real && ContainsInfinity(g) && ContainsInfinity(p) && System.Math.Abs(a.Imaginary) < 1e-12 && System.Math.Abs(b.Imaginary) < 1e-12) return true;
                return Fail("undefined value");
            }
            return NumbersClose(a, b, decimals)
                || (System.Math.Abs(a.Imaginary) < 1e-12 && System.Math.Abs(b.Imaginary) < 1e-12 && Approximates(g, p, a.Real, b.Real))
                || Fail("values differ");
        }
        int valid = 0;
        foreach (var env in Points(vars, 12))
        {
            var a = MathEvaluator.Eval(g, env, _budget);
            var b = MathEvaluator.Eval(p, env, _budget);
            bool da = MathEvaluator.IsDefined(a), db = MathEvaluator.IsDefined(b);
            if (!da || !db) continue;
            if (!Close(a, b, decimals ? 1e-6 : 1e-8)) return Fail("expressions differ at a test point");
            if (++valid >= 6) break;
        }
        return valid >= 2 || Fail("expressions undefined at the test points");
    }

    /// <summary>
    /// One side a written decimal, the other an exact value (no decimal in it): the decimal rule of
    /// <see cref="DecimalApproximation"/>. Not used when the question states its own precision.
    /// </summary>
    private bool Approximates(MathNode g, MathNode p, double gv, double pv)
    {
        if (_precision is not null) return false;
        if (WrittenDecimal(p) is int pp && !HasDecimal(g)) return DecimalApproximation.IsRoundingOf(pv, pp, gv);
        if (WrittenDecimal(g) is int gp && !HasDecimal(p)) return DecimalApproximation.IsRoundingOf(gv, gp, pv);
        return false;
    }

    /// <summary>The places of a node that is just a written decimal (or its negation), else null.</summary>
    private static int? WrittenDecimal(MathNode n) => n switch
    {
        NumberNode { IsDecimal: true, Places: > 0 } d => d.Places,
        NegateNode { Operand: NumberNode { IsDecimal: true, Places: > 0 } d } => d.Places,
        _ => null,
    };

    private bool NumbersClose(Complex a, Complex b, bool decimals)
    {
        if (System.Math.Abs(a.Imaginary) > 1e-9 || System.Math.Abs(b.Imaginary) > 1e-9) return Close(a, b, 1e-9);
        return NumbersClose(a.Real, b.Real, decimals, _precision, _options);
    }

    /// <summary>
    /// Real numbers: rounded to <paramref name="precision"/> places when the item gives one (MathVista);
    /// else, when a decimal is involved, within the options' decimal tolerances (Math-Verify rounds to 6
    /// places); else within 1e-9 relative (irrational values computed two ways).
    /// </summary>
    public static bool NumbersClose(double a, double b, bool decimals, int? precision, MathVerifierOptions options)
    {
        if (precision is int digits && digits is >= 0 and <= 15)
        {
            return System.Math.Round(a, digits, MidpointRounding.AwayFromZero) == System.Math.Round(b, digits, MidpointRounding.AwayFromZero)
                || System.Math.Abs(a - b) <= 1e-12 * System.Math.Max(1, System.Math.Max(System.Math.Abs(a), System.Math.Abs(b)));
        }
        double diff = System.Math.Abs(a - b);
        if (decimals)
            return diff <= options.DecimalAbsoluteTolerance || diff <= options.DecimalRelativeTolerance * System.Math.Max(System.Math.Abs(a), System.Math.Abs(b));
        return diff <= 1e-9 * System.Math.Max(1, System.Math.Max(System.Math.Abs(a), System.Math.Abs(b)));
    }

    private static bool Close(Complex a, Complex b, double rel)
    {
        double scale = System.Math.Max(1, System.Math.Max(Complex.Abs(a), Complex.Abs(b)));
        return Complex.Abs(a - b) <= rel * scale;
    }

    private static readonly IReadOnlyDictionary<string, Complex> EmptyEnv = new Dictionary<string, Complex>();

    /// <summary>Deterministic test points: values of both signs, magnitudes 0.4–2.6, away from small integers.</summary>
    private static IEnumerable<Dictionary<string, Complex>> Points(SortedSet<string> vars, int count)
    {
        ulong state = 0x9E3779B97F4A7C15UL;
        // One dictionary, refilled for each point (callers use a point before asking for the next).
        var env = new Dictionary<string, Complex>(vars.Count, StringComparer.Ordinal);
        for (int k = 0; k < count; k++)
        {
            int idx = 0;
            foreach (var v in vars)
            {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                double u = (state >> 11) * (1.0 / (1UL << 53));
                double mag = 0.4 + 2.2 * u;
                // Two thirds of the points positive, the rest negative (so |x| and √(x²) differ from x).
                bool negative = ((k + idx) % 3) == 2;
                env[v] = new Complex(negative ? -mag : mag, 0);
                idx++;
            }
            yield return env;
        }
    }

    private void CollectSymbols(MathNode n, SortedSet<string> into)
    {
        _budget.Tick();
        switch (n)
        {
            case SymbolNode s: into.Add(s.Name); break;
            case SumNode s: foreach (var t in s.Terms) CollectSymbols(t, into); break;
            case ProductNode p: foreach (var f in p.Factors) CollectSymbols(f, into); break;
            case NegateNode g: CollectSymbols(g.Operand, into); break;
            case DivideNode d: CollectSymbols(d.Numerator, into); CollectSymbols(d.Denominator, into); break;
            case PowerNode w: CollectSymbols(w.Base, into); CollectSymbols(w.Exponent, into); break;
            case FunctionNode f:
                CollectSymbols(f.Argument, into);
                if (f.Parameter is not null) CollectSymbols(f.Parameter, into);
                break;
            case FactorialNode f: CollectSymbols(f.Operand, into); break;
            case PercentNode pc: CollectSymbols(pc.Operand, into); break;
        }
    }

    private bool HasSymbols(MathNode n)
    {
        var s = new SortedSet<string>(StringComparer.Ordinal);
        CollectSymbols(n, s);
        return s.Count > 0;
    }

    private static bool ContainsInfinity(MathNode n) => n switch
    {
        ConstantNode { Kind: MathConstant.Infinity } => true,
        NegateNode g => ContainsInfinity(g.Operand),
        SumNode s => s.Terms.Any(ContainsInfinity),
        ProductNode p => p.Factors.Any(ContainsInfinity),
        _ => false,
    };

    private bool HasDecimal(MathNode n)
    {
        _budget.Tick();
        return n switch
        {
            NumberNode num => num.IsDecimal,
            SumNode s => s.Terms.Any(HasDecimal),
            ProductNode p => p.Factors.Any(HasDecimal),
            NegateNode g => HasDecimal(g.Operand),
            DivideNode d => HasDecimal(d.Numerator) || HasDecimal(d.Denominator),
            PowerNode w => HasDecimal(w.Base) || HasDecimal(w.Exponent),
            FunctionNode f => HasDecimal(f.Argument),
            PercentNode pc => HasDecimal(pc.Operand),
            _ => false,
        };
    }
}
