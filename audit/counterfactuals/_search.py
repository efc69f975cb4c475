"""Batched gradient search for counterfactuals on a torch model over encoded tabular rows.

Thousands of rows are searched at once, several restarts each:

1. **Relaxed search.** Numeric columns move in standardised units, clipped to the training
   range; each one-hot group is relaxed to a softmax over free logits. The loss is a hinge on the
   desired class's logit margin plus ``distance_weight`` times the cost (Wachter et al., 2017).
   Restart 0 may change every mutable feature; each further restart only a random half of them,
   from a randomly perturbed start, which makes the counterfactuals of a row differ (diversity).
   Every few steps the candidates are projected to valid rows (rounded, clipped, one-hot by
   argmax); a candidate whose projection gets the desired decision is kept and leaves the batch.
2. **Sparsity.** Greedy pruning reverts each changed feature, the most costly first, when the
   decision stays flipped without it.
3. **Closeness.** A bisection scales the remaining numeric changes down as far as the flip
   allows (projected again at each step).
4. **One-feature candidates.** For each row and mutable feature, the cheapest change of that
   feature alone that flips the decision, found exactly (every category tried; bisection towards
   each end of a numeric range). For a linear model under an L1 cost the optimum changes one
   feature, so these anchor closeness and sparsity; the gradient candidates add combinations.
5. **Verification.** Every candidate is re-run through the model and checked against the
   constraints; invalid ones are dropped, duplicates merged.

For a model without gradients over the encoded rows (a ``predict_proba`` callable, a model with
its own encoding), step 1 is a **random search** instead (``SearchSettings(gradients=False)``,
in the manner of DiCE's "random" method): each step proposes, for every candidate still
searching, new values of a random subset of its allowed features (numeric ones uniform in their
training range, categorical ones a random category; the subset grows from one feature to all
over the steps), projected to valid rows; the first proposal that flips the decision is kept.
Steps 2 to 5 need only forward passes and are the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from audit.counterfactuals._space import FeatureSpace

#: Logit margin the relaxed search aims past the decision boundary, so rounding keeps the flip.
HINGE_MARGIN = 0.2
#: Initial logit of a row's own category in a relaxed one-hot group (others start at 0).
OWN_CATEGORY_LOGIT = 3.0
#: Softmax temperature of the relaxed one-hot groups.
TEMPERATURE = 0.5
#: Logit margin a counterfactual must clear to count as flipped: a row exactly on the boundary
#: could flip back when re-evaluated in a batch of another size (float summation order).
MIN_MARGIN = 1e-4
#: Share of mutable features each restart after the first may change.
RESTART_KEEP = 0.5
#: Bisection steps of the numeric shrink.
SHRINK_STEPS = 8
#: Bisection steps of the one-feature numeric search (2**-14 of the range: below one unit for
#: ranges up to 16,384, within a few units for capital-gain's 0-99,999).
SINGLE_FEATURE_STEPS = 14


@dataclass(frozen=True)
class SearchSettings:
    """Knobs of :func:`search` (see the module docstring)."""

    restarts: int = 5
    steps: int = 100
    learning_rate: float = 0.1
    distance_weight: float = 0.05
    check_every: int = 5
    chunk_rows: int = 2048
    gradients: bool = True


@dataclass(frozen=True)
class Candidates:
    """Search output: one candidate per (row, restart) plus the one-feature candidates, verified.

    Attributes
    ----------
    X : numpy.ndarray
        ``(n_candidates, n_columns)`` encoded candidates (the original row where none was
        found).
    row : numpy.ndarray
        Position (in the searched rows) of each candidate's row.
    valid : numpy.ndarray
        The candidate gets the desired decision and respects every constraint.
    """

    X: np.ndarray
    row: np.ndarray
    valid: np.ndarray


class _Layout:
    """Torch views of a :class:`FeatureSpace` used inside the search loop."""

    def __init__(self, space: FeatureSpace) -> None:
        self.space = space
        self.colmat = torch.from_numpy(space.column_matrix())
        num = np.flatnonzero(space.numeric)
        self.num_cols = torch.tensor([space.columns[i][0] for i in num], dtype=torch.long)
        self.num_low = torch.tensor((space.low[num] - space.mean[num]) / space.scale[num],
                                    dtype=torch.float32)
        self.num_high = torch.tensor((space.high[num] - space.mean[num]) / space.scale[num],
                                     dtype=torch.float32)
        # cost of one standardised unit; "n_changed" is searched with std units as a surrogate
        unit = space.unit[num] * space.scale[num] if space.cost_metric != "n_changed" else np.ones(len(num))
        self.num_weight = torch.tensor(unit, dtype=torch.float32)
        cat = np.flatnonzero(~space.numeric)
        self.groups = [torch.tensor(space.columns[i], dtype=torch.long) for i in cat]
        order = torch.cat([self.num_cols, *self.groups]) if self.groups else self.num_cols
        self.inverse = torch.argsort(order)
        self.cat_cols = torch.cat(self.groups) if self.groups else torch.zeros(0, dtype=torch.long)
        # slices where columns are contiguous (views instead of gathers in the hot loop)
        self.num_at = _contiguous(self.num_cols)
        self.group_at = [space.index(i) for i in cat]
        self.identity_order = bool((order == torch.arange(len(order))).all())

    def relax(self, z: torch.Tensor, x0: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        """Relaxed rows from the free variables ``z`` (numeric values and one-hot logits)."""
        pieces = [torch.maximum(torch.minimum(z[:, self.num_at], self.num_high), self.num_low)]
        pieces += [torch.softmax(z[:, g] / TEMPERATURE, dim=1) for g in self.group_at]
        x = torch.cat(pieces, dim=1)
        if not self.identity_order:
            x = x[:, self.inverse]
        return torch.where(allowed, x, x0)

    def distance(self, x: torch.Tensor, x0: torch.Tensor) -> torch.Tensor:
        cost = ((x[:, self.num_at] - x0[:, self.num_at]).abs() * self.num_weight).sum(dim=1)
        for g in self.group_at:
            cost = cost + 1.0 - (x[:, g] * x0[:, g]).sum(dim=1)
        return cost


def _contiguous(cols: torch.Tensor) -> slice | torch.Tensor:
    if len(cols) and bool((cols == torch.arange(int(cols[0]), int(cols[0]) + len(cols))).all()):
        return slice(int(cols[0]), int(cols[0]) + len(cols))
    return cols


def _margin(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Desired logit minus the largest other logit."""
    own = logits.gather(1, target[:, None])[:, 0]
    others = logits.scatter(1, target[:, None], float("-inf"))
    return own - others.max(dim=1).values


def _flips(model: torch.nn.Module, X: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Rows whose desired class wins by more than :data:`MIN_MARGIN`."""
    return _margin(model(X), target) > MIN_MARGIN


def _allowed_features(space: FeatureSpace, n_rows: int, restarts: int,
                      generator: torch.Generator) -> torch.Tensor:
    mutable = torch.from_numpy(space.mutable)
    restart = torch.arange(n_rows * restarts) % restarts
    draw = torch.rand(n_rows * restarts, len(space.features), generator=generator) < RESTART_KEEP
    allowed = mutable & (draw | (restart == 0)[:, None])
    empty = ~allowed.any(dim=1)
    return torch.where(empty[:, None], mutable, allowed)


def _relaxed_search(model: torch.nn.Module, layout: _Layout, x0: torch.Tensor,
                    target: torch.Tensor, allowed_cols: torch.Tensor, restart: torch.Tensor,
                    settings: SearchSettings, generator: torch.Generator
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """Projected candidates and whether each reached the desired decision."""
    space = layout.space
    n = len(x0)
    z = x0.clone()
    if len(layout.cat_cols):
        z[:, layout.cat_cols] = x0[:, layout.cat_cols] * OWN_CATEGORY_LOGIT
    perturbed = (restart > 0)[:, None]
    noise = torch.zeros_like(z)
    noise[:, layout.num_cols] = 0.1 * torch.randn(n, len(layout.num_cols), generator=generator)
    if len(layout.cat_cols):
        uniform = torch.rand(n, len(layout.cat_cols), generator=generator).clamp_min(1e-6)
        noise[:, layout.cat_cols] = -torch.log(-torch.log(uniform))  # Gumbel
    z = torch.where(perturbed & allowed_cols, z + noise, z)
    lr = torch.full((x0.shape[1],), settings.learning_rate)
    lr[layout.cat_cols] = 3 * settings.learning_rate
    result, found = x0.clone(), torch.zeros(n, dtype=torch.bool)
    active = torch.arange(n)
    m, v = torch.zeros_like(z), torch.zeros_like(z)
    beta1, beta2 = 0.9, 0.999
    for step in range(1, settings.steps + 1):
        z.requires_grad_(True)
        x = layout.relax(z, x0[active], allowed_cols[active])
        margin = _margin(model(x), target[active])
        loss = (torch.relu(HINGE_MARGIN - margin)
                + settings.distance_weight * layout.distance(x, x0[active])).sum()
        (grad,) = torch.autograd.grad(loss, z)
        with torch.no_grad():
            z = z.detach()
            m.mul_(beta1).add_(grad, alpha=1 - beta1)
            v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            z -= lr * (m / (1 - beta1 ** step)) / ((v / (1 - beta2 ** step)).sqrt() + 1e-8)
            if step % settings.check_every and step != settings.steps:
                continue
            projected = space.project(layout.relax(z, x0[active], allowed_cols[active]),
                                      x0[active])
            done = _flips(model, projected, target[active])
            result[active[done]] = projected[done]
            found[active[done]] = True
            keep = ~done
            active, z, m, v = active[keep], z[keep], m[keep], v[keep]
            if not len(active):
                break
    return result, found


@torch.no_grad()
def _random_search(model: torch.nn.Module, layout: _Layout, x0: torch.Tensor,
                   target: torch.Tensor, allowed: torch.Tensor, settings: SearchSettings,
                   generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Gradient-free step 1 (see the module docstring): projected candidates and whether each
    reached the desired decision."""
    space = layout.space
    n, n_features = allowed.shape
    colmat = layout.colmat.float()
    result, found = x0.clone(), torch.zeros(n, dtype=torch.bool)
    active = torch.arange(n)
    for step in range(settings.steps):
        if not len(active):
            break
        base = x0[active]
        proposal = base.clone()
        if len(layout.num_cols):
            u = torch.rand(len(active), len(layout.num_cols), generator=generator)
            proposal[:, layout.num_cols] = layout.num_low + u * (layout.num_high - layout.num_low)
        for cols in layout.groups:
            pick = torch.randint(len(cols), (len(active),), generator=generator)
            block = torch.zeros(len(active), len(cols))
            block[torch.arange(len(active)), pick] = 1.0
            proposal[:, cols] = block
        share = (step + 1) / settings.steps
        change = allowed[active] & (torch.rand(len(active), n_features, generator=generator)
                                    < share)
        one = torch.multinomial(allowed[active].float() + 1e-12, 1, generator=generator)[:, 0]
        change[torch.arange(len(active)), one] = True  # at least one allowed feature
        change &= allowed[active]
        cols = (change.float() @ colmat) > 0
        candidate = space.project(torch.where(cols, proposal, base), base)
        done = _flips(model, candidate, target[active])
        result[active[done]] = candidate[done]
        found[active[done]] = True
        active = active[~done]
    return result, found


@torch.no_grad()
def _prune(model: torch.nn.Module, layout: _Layout, X: torch.Tensor, x0: torch.Tensor,
           target: torch.Tensor) -> torch.Tensor:
    """Revert changed features, most costly first, wherever the flip survives without them."""
    space = layout.space
    costs = space.feature_costs(X.numpy(), x0.numpy())
    changed = torch.from_numpy(costs > 0) | torch.from_numpy(space.changed(X.numpy(), x0.numpy()))
    order = torch.from_numpy(np.argsort(-costs, axis=1, kind="stable"))
    rows = torch.arange(len(X))
    for i in range(order.shape[1]):
        feature = order[:, i]
        has = changed[rows, feature]
        if not has.any():
            continue
        cols = layout.colmat[feature]
        trial = torch.where(cols, x0, X)
        ok = has & (_flips(model, trial, target))
        X = torch.where(ok[:, None], trial, X)
    return X


@torch.no_grad()
def _shrink(model: torch.nn.Module, layout: _Layout, X: torch.Tensor, x0: torch.Tensor,
            target: torch.Tensor) -> torch.Tensor:
    """Scale numeric changes down by bisection while the (projected) flip survives."""
    cols = layout.num_cols
    if not len(cols):
        return X
    delta = X[:, cols] - x0[:, cols]
    moved = (delta != 0).any(dim=1)
    low, high = torch.zeros(len(X)), torch.ones(len(X))
    best = X
    for _ in range(SHRINK_STEPS):
        mid = (low + high) / 2
        trial = X.clone()
        trial[:, cols] = x0[:, cols] + mid[:, None] * delta
        trial = layout.space.project(trial, x0)
        ok = moved & (_flips(model, trial, target))
        best = torch.where(ok[:, None], trial, best)
        high = torch.where(ok, mid, high)
        low = torch.where(ok, low, mid)
    return best


@torch.no_grad()
def _single_feature(model: torch.nn.Module, layout: _Layout, x0: torch.Tensor,
                    target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The cheapest one-feature counterfactual per mutable feature and row, found exactly:
    every category of a categorical feature (the one with the largest margin kept), and for a
    numeric feature a bisection between the original value and each end of its range. Returns
    ``(candidates, row index)`` of those that flip the decision."""
    space = layout.space
    found_x, found_row = [], []
    rows = torch.arange(len(x0))
    for i, cols in enumerate(space.columns):
        if not space.mutable[i]:
            continue
        if not space.numeric[i]:
            best_margin = torch.full((len(x0),), float("-inf"))
            best = x0.clone()
            for j in range(len(cols)):
                trial = x0.clone()
                trial[:, list(cols)] = 0.0
                trial[:, cols[j]] = 1.0
                margin = _margin(model(trial), target)
                better = (margin > best_margin) & (x0[:, cols[j]] != 1.0)
                best = torch.where(better[:, None], trial, best)
                best_margin = torch.where(better, margin, best_margin)
            ok = best_margin > MIN_MARGIN
            found_x.append(best[ok])
            found_row.append(rows[ok])
            continue
        c = cols[0]
        for bound in (space.low[i], space.high[i]):
            end = x0.clone()
            end[:, c] = float((bound - space.mean[i]) / space.scale[i])
            ok = _flips(model, end, target)
            if not ok.any():
                continue
            base, far, tgt = x0[ok], end[ok], target[ok]
            low, high = torch.zeros(len(base)), torch.ones(len(base))
            best = far
            for _ in range(SINGLE_FEATURE_STEPS):
                mid = (low + high) / 2
                trial = base.clone()
                trial[:, c] = base[:, c] + mid * (far[:, c] - base[:, c])
                trial = space.project(trial, base)
                flips = _flips(model, trial, tgt) & (trial[:, c] != base[:, c])
                best = torch.where(flips[:, None], trial, best)
                high = torch.where(flips, mid, high)
                low = torch.where(flips, low, mid)
            found_x.append(best)
            found_row.append(rows[ok])
    if not found_x:
        return x0[:0], rows[:0]
    return torch.cat(found_x), torch.cat(found_row)


def search(model: torch.nn.Module, space: FeatureSpace, X0: np.ndarray, target: np.ndarray,
           settings: SearchSettings, *, seed: int = 0) -> Candidates:
    """Search ``settings.restarts`` counterfactual candidates for each row of ``X0``.

    Parameters
    ----------
    model : torch.nn.Module
        Maps encoded rows to class logits; used in eval mode, its weights untouched.
    space : FeatureSpace
    X0 : numpy.ndarray
        ``(n_rows, n_columns)`` encoded rows.
    target : numpy.ndarray
        Desired class of each row.
    settings : SearchSettings
    seed : int

    Returns
    -------
    Candidates
        ``n_rows * restarts`` gradient candidates (row-major), then the one-feature candidates;
        ``valid`` marks the verified ones.
    """
    layout = _Layout(space)
    generator = torch.Generator().manual_seed(seed)
    R = settings.restarts
    was_training = model.training
    model.eval()
    params = [p for p in model.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    outputs = []
    try:
        for start in range(0, len(X0), settings.chunk_rows):
            x_rows = torch.from_numpy(np.ascontiguousarray(X0[start:start + settings.chunk_rows],
                                                           dtype=np.float32))
            n = len(x_rows)
            x0 = x_rows.repeat_interleave(R, dim=0)
            tgt = torch.from_numpy(np.asarray(target[start:start + n], dtype=np.int64)
                                   ).repeat_interleave(R)
            allowed = _allowed_features(space, n, R, generator)
            allowed_cols = (allowed.float() @ layout.colmat.float()) > 0
            restart = torch.arange(n * R) % R
            if settings.gradients:
                X, found = _relaxed_search(model, layout, x0, tgt, allowed_cols, restart,
                                           settings, generator)
            else:
                X, found = _random_search(model, layout, x0, tgt, allowed & torch.from_numpy(
                    space.mutable), settings, generator)
            idx = found.nonzero().flatten()
            if len(idx):
                refined = _prune(model, layout, X[idx], x0[idx], tgt[idx])
                refined = _shrink(model, layout, refined, x0[idx], tgt[idx])
                refined = _prune(model, layout, refined, x0[idx], tgt[idx])
                X[idx] = refined
            single, single_row = _single_feature(model, layout, x_rows, tgt[::R])
            X = torch.cat([X, single])
            x0 = torch.cat([x0, x_rows[single_row]])
            tgt = torch.cat([tgt, tgt[::R][single_row]])
            found = torch.cat([found, torch.ones(len(single), dtype=torch.bool)])
            with torch.no_grad():
                flips = _flips(model, X, tgt)
            valid = found.numpy() & flips.numpy() & ~space.violations(X.numpy(), x0.numpy())
            row = np.concatenate([np.repeat(np.arange(start, start + n), R),
                                  start + single_row.numpy()])
            outputs.append((X.numpy(), row, valid))
    finally:
        for p in params:
            p.requires_grad_(True)
        model.train(was_training)
    if not outputs:
        return Candidates(np.zeros((0, space.n_columns), np.float32), np.zeros(0, np.int64),
                          np.zeros(0, bool))
    return Candidates(np.concatenate([o[0] for o in outputs]),
                      np.concatenate([o[1] for o in outputs]),
                      np.concatenate([o[2] for o in outputs]))
