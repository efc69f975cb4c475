"""Config of the text-bias audit (the `audits.text_bias` block of a text audit.yaml).

Kept free of heavy imports so a config module can import it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from audit.core import StrictConfig

#: HolisticBias axes (v1.1) plus the WEAT name sets used as identity terms.
AxisName = Literal[
    "ability", "age", "body_type", "characteristics", "cultural", "gender_and_sex", "nationality",
    "nonce", "political_ideologies", "race_ethnicity", "religion", "sexual_orientation",
    "socioeconomic_class", "names_race", "names_gender", "names_age",
]
#: The axes of the issue: gender, race, religion, nationality, age, disability, sexual orientation,
#: and names (race and gender).
DEFAULT_AXES: tuple[str, ...] = (
    "gender_and_sex", "race_ethnicity", "religion", "nationality", "age", "ability",
    "sexual_orientation", "names_race", "names_gender",
)
#: SEAT tests run by default (Caliskan et al.'s numbering, as in May et al. 2019).
SeatTestName = Literal["weat1", "weat2", "weat3", "weat4", "weat5", "weat6", "weat7", "weat8",
                       "weat9", "weat10"]
DEFAULT_SEAT_TESTS: tuple[str, ...] = ("weat3", "weat6", "weat7", "weat8")
#: Second attribution method beside Layer Integrated Gradients.
SecondMethod = Literal["gradient_x_activation", "occlusion"]


class TextBiasConfig(StrictConfig):
    """Options of the text-bias audit; ``enabled: false`` skips it.

    Identity-term templates: every HolisticBias sentence template (``max_templates`` of them,
    chosen in file order) is filled with each descriptor of each group of each axis, keeping at
    most ``max_descriptors_per_group`` descriptors per group; for a pair task (BoolQ) each
    filled sentence is the passage and ``pair_question`` the fixed question (``pair_mode``).
    SEAT runs ``seat_tests`` on the encoder's mean-pooled sentence embeddings with an exact
    permutation test when there are at most ``n_permutations`` partitions, sampled otherwise.
    """

    enabled: bool = False
    axes: tuple[AxisName, ...] = DEFAULT_AXES
    max_templates: int = Field(12, gt=0)
    max_descriptors_per_group: int = Field(4, gt=0)
    include_dispreferred: bool = Field(False, description="also use descriptors HolisticBias marks dispreferred")
    pair_mode: Literal["single", "passage_with_question"] = "single"
    pair_question: str = "is this person a good neighbour"
    template_label: Literal[0, 1] | None = Field(
        None, description="true label of every template sentence (0 for toxicity-style tasks): enables FPR gaps")
    threshold: float = Field(0.5, gt=0.0, lt=1.0)
    flip_tolerance: float = Field(0.1, ge=0.0, description="|score change| counted as a large change")
    noise_floor: bool = Field(
        True, description="compare identity swaps with neutral-word swaps on the same templates")
    noise_words: tuple[str, ...] | None = Field(
        None, min_length=2, description="neutral words of the noise floor (default: the shipped list)")
    seat: bool = True
    seat_tests: tuple[SeatTestName, ...] = DEFAULT_SEAT_TESTS
    n_permutations: int = Field(10_000, gt=0)
    bootstrap_replicates: int = Field(1000, gt=0)
    attributions: bool = True
    attribution_samples: int = Field(6, ge=0, description="sentences explained word by word")
    identity_attribution_samples: int = Field(
        48, ge=0, description="template sentences whose identity words are attributed")
    ig_steps: int = Field(32, gt=1)
    second_method: SecondMethod = "gradient_x_activation"
    max_length: int = Field(128, gt=4)
    batch_size: int = Field(64, gt=0)
    min_group_size: int = Field(20, gt=0, description="groups with fewer scored sentences are flagged small")
