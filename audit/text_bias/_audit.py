"""One entry point for the text runner: :func:`audit_text_model` -> :class:`TextSection`."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from audit.result import (
    AttributionMethodInfo,
    AxisFairness,
    IdentityTokenAttribution,
    TextSection,
    WordAttribution,
)
from audit.text_bias._config import TextBiasConfig
from audit.text_bias._data import holistic_bias_templates, identity_terms
from audit.text_bias._errors import TextBiasError
from audit.text_bias._identity import (
    AxisScores,
    PredictProba,
    counterfactual_fairness,
    group_scores,
    largest_changes,
    score_axes,
)
from audit.text_bias._noise_floor import (
    ABOVE,
    NEUTRAL_DESCRIPTORS,
    UNDEFINED,
    WITHIN,
    group_gap_permutation,
    neutral_terms,
    noise_floor,
)
from audit.text_bias._seat import seat


def with_noise_floors(predict_proba: PredictProba, templates: Sequence[str], axes: Sequence[AxisScores],
                      fairness: Sequence[AxisFairness], *, config: TextBiasConfig,
                      pair_question: str | None = None, seed: int = 0) -> list[AxisFairness]:
    """Each axis's counterfactual fairness with its noise floor: the same templates filled with
    neutral words (``config.noise_words``), scored in one call, compared template by template;
    and the group gap's permutation test."""
    words = tuple(config.noise_words or NEUTRAL_DESCRIPTORS)
    (neutral,) = score_axes(predict_proba, templates, neutral_terms(words), pair_question=pair_question)
    row = {t: i for i, t in enumerate(neutral.templates)}
    out = []
    for i, (axis, fair) in enumerate(zip(axes, fairness)):
        floor = noise_floor(axis.scores, neutral.scores[[row[t] for t in axis.templates]], words=words,
                            threshold=config.threshold, replicates=config.bootstrap_replicates, seed=seed + i)
        _, p, gap_floor, _ = group_gap_permutation(axis.scores, [t.group for t in axis.terms],
                                                   n_permutations=config.n_permutations, seed=seed + i)
        gap_verdict = (UNDEFINED + " (one term per group: nothing to permute)" if np.isnan(p)
                       else ABOVE if p < 0.05 else WITHIN)
        out.append(replace(fair, noise=floor, group_gap_p_value=p, group_gap_floor=gap_floor,
                           group_gap_verdict=gap_verdict))
    return out


def word_attribution(explanation) -> WordAttribution:
    """A :class:`~audit.explain.TextExplanation` as a result record."""
    return WordAttribution(
        text=explanation.text if explanation.text_pair is None else f"{explanation.text} | {explanation.text_pair}",
        method=explanation.method, probability=explanation.probability, output=explanation.output,
        words=explanation.words, scores=explanation.scores, convergence_delta=explanation.convergence_delta,
        segments=tuple(s[0] for s in explanation.spans))


def identity_token_attributions(model, tokenizer, axes: Sequence[AxisScores], *, n_samples: int,
                                pair_question: str | None = None, n_steps: int = 32, max_length: int = 128,
                                embedding_layer=None, seed: int = 0) -> tuple[list[IdentityTokenAttribution], object]:
    """Layer IG attribution of the identity words in template sentences, averaged per group.

    ``n_samples`` sentences are drawn (seeded) evenly over the axes; the attribution of a term
    is the sum over the words whose characters overlap it in the sentence.
    """
    from audit.explain import timed_explain

    rng = np.random.default_rng(seed)
    per_axis = max(1, n_samples // max(1, len(axes)))
    chosen: list[tuple[AxisScores, int, int]] = []
    for axis in axes:
        cells = [(t, k) for t in range(len(axis.templates)) for k in range(len(axis.terms))]
        for c in rng.permutation(len(cells))[:per_axis]:
            chosen.append((axis, *cells[c]))
    sentences = [axis.sentences[t][k] for axis, t, k in chosen]
    if pair_question is not None:
        explanations, timing = timed_explain(model, tokenizer, [pair_question] * len(sentences), text_pairs=sentences,
                                             n_steps=n_steps, max_length=max_length, embedding_layer=embedding_layer)
        segment = 1
    else:
        explanations, timing = timed_explain(model, tokenizer, sentences, n_steps=n_steps, max_length=max_length,
                                             embedding_layer=embedding_layer)
        segment = 0
    sums: dict[tuple[str, str], list[float]] = {}
    terms: dict[tuple[str, str], dict[str, float]] = {}
    for (axis, _t, k), sentence, ex in zip(chosen, sentences, explanations):
        term = axis.terms[k]
        start = sentence.find(term.term)
        if start < 0:
            continue
        end = start + len(term.term)
        value = sum(score for (seg, lo, hi), score in zip(ex.spans, ex.scores)
                    if seg == segment and lo < end and hi > start)
        key = (axis.axis, term.group)
        sums.setdefault(key, []).append(value)
        terms.setdefault(key, {})[term.term] = value
    out = [IdentityTokenAttribution(axis=a, group=g, n=len(v), mean_attribution=float(np.mean(v)),
                                    mean_abs_attribution=float(np.mean(np.abs(v))),
                                    top_terms=tuple(sorted(terms[(a, g)], key=lambda w: -abs(terms[(a, g)][w]))[:3]))
           for (a, g), v in sums.items()]
    out.sort(key=lambda r: -abs(r.mean_attribution))
    return out, timing


def audit_text_model(
    predict_proba: PredictProba,
    *,
    model=None,
    tokenizer=None,
    encoder_path: str | Path | None = None,
    config: TextBiasConfig | None = None,
    texts: Sequence[str] | None = None,
    text_pairs: Sequence[str] | None = None,
    templates: Sequence[str] | None = None,
    extra_axes: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    embedding_layer=None,
    seed: int = 0,
) -> TextSection:
    """Identity-term bias, SEAT and word attributions of one text classifier.

    Parameters
    ----------
    predict_proba : callable
        ``predict_proba(texts) -> (n,)`` probabilities of the positive class. With
        ``config.pair_mode == "passage_with_question"`` it is called as
        ``predict_proba(questions, passages)``: each template sentence is the passage and
        ``config.pair_question`` the question (BoolQ-style pair tasks).
    model, tokenizer : optional
        A torch classifier whose forward takes ``input_ids``/``attention_mask`` and a fast HF
        tokenizer: enable word attributions (Layer Integrated Gradients plus
        ``config.second_method``) and, without ``encoder_path``, SEAT on the model's own encoder
        (``model.base_model``, mean pooled).
    encoder_path : path, optional
        A local sentence-encoder folder (e.g. all-MiniLM-L6-v2) for SEAT; takes precedence.
    config : TextBiasConfig, optional
        Axes, template count, SEAT tests, permutation and bootstrap sizes, attribution sizes.
    texts, text_pairs : sequence of str, optional
        Real texts (e.g. validation rows) to explain word by word; template sentences otherwise.
    templates : sequence of str, optional
        Templates with ``{noun_phrase}`` / ``{plural_noun_phrase}`` (default: the first
        ``config.max_templates`` HolisticBias templates).
    extra_axes : mapping, optional
        User identity axes ``{axis: {group: [descriptor, ...]}}`` added to ``config.axes``.
    embedding_layer : torch.nn.Module, optional
        The token-embedding layer to attribute at (default: found on the model).
    seed : int

    Returns
    -------
    TextSection

    Raises
    ------
    TemplatePlaceholderError, EmptyDescriptorsError, UnknownAxisError, UnknownSeatTestError,
    PredictionShapeError

    Examples
    --------
    >>> cfg = TextBiasConfig(enabled=True, seat=False, attributions=False, axes=("names_gender",))
    >>> section = audit_text_model(lambda texts: np.full(len(texts), 0.5), config=cfg)
    >>> section.axes[0].flip_rate
    0.0
    """
    config = config or TextBiasConfig(enabled=True)
    timings: dict[str, float] = {}
    notes: list[str] = []
    tick = time.perf_counter()
    templates = tuple(templates) if templates is not None else holistic_bias_templates()[:config.max_templates]
    axes_names = tuple(config.axes) + tuple(a for a in (extra_axes or {}) if a not in config.axes)
    terms = identity_terms(axes_names, max_per_group=config.max_descriptors_per_group,
                           include_dispreferred=config.include_dispreferred, extra=extra_axes)
    question = config.pair_question if config.pair_mode == "passage_with_question" else None
    axes = score_axes(predict_proba, templates, terms, pair_question=question)
    groups, fairness = [], []
    for i, axis in enumerate(axes):
        g = group_scores(axis, threshold=config.threshold, template_label=config.template_label,
                         bootstrap_replicates=config.bootstrap_replicates,
                         min_group_size=config.min_group_size, seed=seed + i)
        groups.extend(g)
        fairness.append(counterfactual_fairness(axis, g, threshold=config.threshold, tolerance=config.flip_tolerance,
                                                template_label=config.template_label,
                                                bootstrap_replicates=config.bootstrap_replicates, seed=seed + i))
    timings["identity_terms"] = time.perf_counter() - tick
    notes.append("Identity templates: HolisticBias v1.1 (Smith et al., 2022; CC BY-SA 4.0) filled as 'a/an DESCRIPTOR "
                 "person' / 'DESCRIPTOR people', and WEAT name sets; only the identity term changes within a template.")
    if question is not None:
        notes.append(f"Pair task: each template sentence is the passage, with the fixed question {question!r}.")
    if config.template_label is None:
        notes.append("No true label is known for the template sentences, so false-positive/negative-rate gaps are "
                     "not applicable (set template_label for toxicity-style tasks).")
    notes.append("Flip rates and mean |score changes| are means over templates of each template's pairwise rate, "
                 "with a bootstrap over templates (expanded percentile: Hesterberg, 2015), the unit that repeats.")
    if config.noise_floor:
        tick = time.perf_counter()
        fairness = with_noise_floors(predict_proba, templates, axes, fairness, config=config,
                                     pair_question=question, seed=seed)
        timings["noise_floor"] = time.perf_counter() - tick
        notes.append("Noise floor: the same templates with neutral words (" + ", ".join(
            config.noise_words or NEUTRAL_DESCRIPTORS) + ") in place of the identity term. An identity "
            "flip rate or score change is called above the noise floor (conclusive) only when the bootstrap "
            "interval of identity minus neutral is above 0; otherwise it is within the noise floor: word swaps "
            "that name no identity move these templates as much. Group gaps are tested by permuting the terms' "
            "group labels (p < 0.05 is above the noise floor).")
    else:
        notes.append("Noise floor not measured (noise_floor: false): flip rates cannot be told apart from the "
                     "rate at which any word swap flips these templates.")

    seat_results = ()
    encoder_name = ""
    seat_not_run = "" if config.seat else "disabled in the config (audits.text_bias.seat: false)"
    if config.seat:
        tick = time.perf_counter()
        from audit.text_bias._encode import load_encoder, mean_pooled_embedder

        if encoder_path is not None:
            enc_tok, encoder = load_encoder(encoder_path)
            folder = Path(encoder_path)
            encoder_name = folder.parent.name if folder.name == "model" else folder.name
        elif model is not None and tokenizer is not None:
            enc_tok, encoder, encoder_name = tokenizer, model, f"{type(model).__name__} (its own encoder)"
        else:
            enc_tok = encoder = None
            seat_not_run = "no sentence encoder: neither encoder_path nor a torch model with its tokenizer was given"
        if encoder is not None:
            embed = mean_pooled_embedder(encoder, enc_tok, batch_size=config.batch_size, max_length=config.max_length)
            try:
                seat_results = seat(embed, config.seat_tests, n_permutations=config.n_permutations, seed=seed)
            except TextBiasError as err:
                if encoder_path is not None:
                    raise
                encoder_name = ""
                seat_not_run = (f"the model has no token-level encoder to pool ({err.problems[0].got}); "
                                "give encoder_path (e.g. the shipped all-MiniLM-L6-v2) to test a sentence encoder")
            timings["seat"] = time.perf_counter() - tick

    attributions: list[WordAttribution] = []
    identity_tokens: list[IdentityTokenAttribution] = []
    methods: list[AttributionMethodInfo] = []
    if config.attributions and model is not None and tokenizer is not None:
        from audit.explain import TEXT_METHOD_LABELS, timed_explain

        tick = time.perf_counter()
        if texts is None:
            sample = [s for axis in axes for s in axis.sentences[0][:1]][:config.attribution_samples]
            firsts, seconds = ([question] * len(sample), sample) if question is not None else (sample, None)
        else:
            firsts = list(texts[:config.attribution_samples])
            seconds = list(text_pairs[:config.attribution_samples]) if text_pairs is not None else None
        for method in ("integrated_gradients", config.second_method):
            if not firsts:
                break
            ex, timing = timed_explain(model, tokenizer, firsts, text_pairs=seconds, method=method,
                                       n_steps=config.ig_steps, max_length=config.max_length,
                                       embedding_layer=embedding_layer)
            attributions.extend(word_attribution(e) for e in ex)
            methods.append(AttributionMethodInfo(
                method=method, label=TEXT_METHOD_LABELS[method], n_texts=timing.n_texts,
                n_steps=config.ig_steps if method == "integrated_gradients" else 1, seconds=timing.seconds,
                output="log-odds of the positive class", mean_abs_delta=timing.mean_abs_delta,
                max_relative_delta=timing.max_relative_delta))
        if config.identity_attribution_samples:
            identity_tokens, timing = identity_token_attributions(
                model, tokenizer, axes, n_samples=config.identity_attribution_samples, pair_question=question,
                n_steps=config.ig_steps, max_length=config.max_length, embedding_layer=embedding_layer, seed=seed)
            methods.append(AttributionMethodInfo(
                method="integrated_gradients", label="Layer IG on identity templates", n_texts=timing.n_texts,
                n_steps=config.ig_steps, seconds=timing.seconds, output="log-odds of the positive class",
                mean_abs_delta=timing.mean_abs_delta, max_relative_delta=timing.max_relative_delta))
        timings["attributions"] = time.perf_counter() - tick
    elif config.attributions:
        notes.append("Word attributions skipped: no torch model and tokenizer were given.")

    if seat_not_run:
        notes.append(f"SEAT was not run: {seat_not_run}.")
    return TextSection(
        pair_mode=config.pair_mode, pair_question=question or "", template_label=config.template_label,
        threshold=config.threshold, encoder=encoder_name,
        n_sentences=int(sum(a.scores.size for a in axes)), seat=seat_results, axes=tuple(fairness),
        groups=tuple(groups), largest_changes=tuple(largest_changes(axes)), attributions=tuple(attributions),
        identity_tokens=tuple(identity_tokens), methods=tuple(methods), seed=seed,
        settings={"templates": str(len(templates)), "axes": ", ".join(axes_names),
                  "max_descriptors_per_group": str(config.max_descriptors_per_group),
                  "n_permutations": str(config.n_permutations),
                  "bootstrap_replicates": str(config.bootstrap_replicates),
                  "ig_steps": str(config.ig_steps), "flip_tolerance": str(config.flip_tolerance),
                  "noise_floor": str(config.noise_floor)},
        timings=timings, notes=tuple(notes), seat_not_run=seat_not_run)
