"""An offline stand-in for the Hub model, and a small corpus it can learn, for smoke runs and tests.

Where no model hub is reachable (CI, this project's build machines), `train.py` still needs a pretrained
model directory to start from. This writes one: a randomly initialised DistilBERT with two small layers and
a word-level tokenizer built from the corpus, saved with `save_pretrained` so `AutoTokenizer` and
`AutoModelForSequenceClassification` load it exactly like a Hub download. It learns nothing useful about
English; it is for checking the training workflow end to end in seconds.

    python training/sentiment/tiny_model.py --model-dir /tmp/tiny-model --data-dir /tmp/tiny-data --rows 400

writes the model and `yelp_review_polarity_csv/train.csv` + `test.csv` of generated reviews (Yelp layout).
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Iterable
from pathlib import Path

from cluster import quiet_progress_bars
from reviews import TEST_FILE

# Special tokens in BERT's convention, so the tokenizer behaves like distilbert-base-uncased's.
PAD, UNK, CLS, SEP, MASK = "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"
MAX_POSITIONS = 128
# Small enough that a CPU epoch over a few hundred rows takes a second or two.
TINY_DIM, TINY_HIDDEN_DIM, TINY_LAYERS, TINY_HEADS = 32, 64, 2, 2

POSITIVE_WORDS = ("great", "delicious", "friendly", "wonderful", "excellent", "amazing", "fresh", "lovely")
NEGATIVE_WORDS = ("awful", "rude", "terrible", "bland", "dirty", "horrible", "stale", "disappointing")
SUBJECTS = ("the food", "the staff", "our waiter", "the pizza", "the coffee", "the room", "the service", "dessert")
FILLERS = ("we came on a tuesday", "parking was easy", "it was busy", "we ordered two plates", "prices are average")


def synthetic_reviews(rows: int, seed: int = 0) -> list[tuple[int, str]]:
    """`rows` (label, text) pairs, half positive, in Yelp's labels (1 negative, 2 positive), shuffled.

    Each review names a subject, a sentiment word of its class and some neutral filler, so a model can
    only tell the classes apart by the sentiment words: learnable, and chance (50%) without learning.
    """
    generator = random.Random(seed)
    reviews = []
    for index in range(rows):
        positive = index % 2 == 0
        words = POSITIVE_WORDS if positive else NEGATIVE_WORDS
        sentence = f"{generator.choice(SUBJECTS)} was {generator.choice(words)}"
        parts = [sentence, *generator.sample(FILLERS, k=generator.randint(0, 2))]
        generator.shuffle(parts)
        reviews.append((2 if positive else 1, ", ".join(parts) + "."))
    generator.shuffle(reviews)
    return reviews


def write_yelp_csv(path: Path, reviews: Iterable[tuple[int, str]]) -> Path:
    """Reviews as the Yelp polarity CSV: no header, `"label","text"`, every field quoted as published."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(reviews)
    return path


def write_synthetic_dataset(data_dir: Path, train_rows: int, test_rows: int, seed: int = 0) -> Path:
    """`data_dir/yelp_review_polarity_csv/{train,test}.csv`, the extracted archive's layout; returns the folder."""
    folder = data_dir / "yelp_review_polarity_csv"
    reviews = synthetic_reviews(train_rows + test_rows, seed)
    write_yelp_csv(folder / "train.csv", reviews[:train_rows])
    write_yelp_csv(folder / TEST_FILE, reviews[train_rows:])
    return folder


def write_tiny_model(path: Path, corpus_texts: Iterable[str], seed: int = 0) -> Path:
    """A random two-layer DistilBERT and a word-level tokenizer trained on `corpus_texts`, saved in `path`."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from tokenizers.trainers import WordLevelTrainer
    from transformers import AutoModelForSequenceClassification, DistilBertConfig, PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.WordLevel(unk_token=UNK))
    # distilbert-base-uncased's normalisation and pre-tokenisation, with whole words as the vocabulary.
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.NFD(), normalizers.Lowercase(), normalizers.StripAccents()]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.train_from_iterator(corpus_texts, WordLevelTrainer(special_tokens=[PAD, UNK, CLS, SEP, MASK]))
    cls_id, sep_id = tokenizer.token_to_id(CLS), tokenizer.token_to_id(SEP)
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{CLS} $A {SEP}", pair=f"{CLS} $A {SEP} $B {SEP}", special_tokens=[(CLS, cls_id), (SEP, sep_id)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token=UNK,
        pad_token=PAD,
        cls_token=CLS,
        sep_token=SEP,
        mask_token=MASK,
        model_max_length=MAX_POSITIONS,
    )
    config = DistilBertConfig(
        vocab_size=tokenizer.get_vocab_size(),
        max_position_embeddings=MAX_POSITIONS,
        pad_token_id=tokenizer.token_to_id(PAD),
        dim=TINY_DIM,
        hidden_dim=TINY_HIDDEN_DIM,
        n_layers=TINY_LAYERS,
        n_heads=TINY_HEADS,
    )
    torch.manual_seed(seed)
    # A base model as on the Hub: the sequence-classification head is what train.py adds and trains.
    model = AutoModelForSequenceClassification.from_config(config)
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    fast.save_pretrained(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", type=Path, required=True, help="where to write the tiny model")
    parser.add_argument("--data-dir", type=Path, help="also write generated Yelp-layout CSVs here")
    parser.add_argument("--rows", type=int, default=400, help="training rows to generate (test: a quarter)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.rows < 8:
        parser.error(f"--rows {args.rows}: generate at least 8 rows")
    quiet_progress_bars()
    reviews = synthetic_reviews(args.rows + args.rows // 4, args.seed)
    if args.data_dir:
        folder = write_synthetic_dataset(args.data_dir, args.rows, args.rows // 4, args.seed)
        print(f"data:  {folder}")
    write_tiny_model(args.model_dir, (text for _, text in reviews), args.seed)
    print(f"model: {args.model_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
