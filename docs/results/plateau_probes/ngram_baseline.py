"""What the plateau's 20% and the 30% bar mean: masked-slot accuracy of
count-based predictors on the corpus (plateau.md section 2d).

    python docs/results/plateau_probes/ngram_baseline.py CORPUS VOCAB

The corpus is tokenized with the vocab and split 90/10; 50,000 held-out
positions are predicted by the most frequent token (unigram), the most
frequent follower of the left neighbour (left bigram), and the most
frequent token between the two neighbours, backing off to the left bigram
and the unigram. Reported as the masked accuracy and as the learning
stage's metric, where the 15% of slots that keep their token count as
right.
"""

import collections
import sys

import numpy as np

from keras_electra.data import WordPieceTokenizer
from keras_electra.data.vocab import load_vocab

corpus, vocab_path = sys.argv[1], sys.argv[2]
tokenizer = WordPieceTokenizer(load_vocab(vocab_path))
with open(corpus, encoding="utf-8") as f:
    lines = [line for line in f.read().split("\n") if line.strip()]
ids = []
for start in range(0, len(lines), 20000):
    for row in tokenizer.tokenize(lines[start:start + 20000]).to_list():
        ids.extend(row)
ids = np.array(ids, np.int64)
cut = int(len(ids) * 0.9)
train, test = ids[:cut].tolist(), ids[cut:].tolist()
print(f"{len(ids):,} tokens")

unigram = collections.Counter(train).most_common(1)[0][0]
after = collections.defaultdict(collections.Counter)
between = collections.defaultdict(collections.Counter)
for a, b, c in zip(train, train[1:], train[2:]):
    after[a][b] += 1
    between[(a, c)][b] += 1
positions = np.random.default_rng(0).choice(np.arange(1, len(test) - 1), 50000, replace=False)
hits = collections.Counter()
for p in positions:
    a, b, c = test[p - 1], test[p], test[p + 1]
    left = after[a].most_common(1)[0][0] if after.get(a) else unigram
    both = between[(a, c)].most_common(1)[0][0] if between.get((a, c)) else left
    hits["unigram"] += b == unigram
    hits["left bigram"] += b == left
    hits["left and right neighbours (backing off)"] += b == both
for name, count in hits.items():
    masked = count / len(positions)
    print(f"{name}: masked {masked:.1%}, with the 15% kept slots {0.15 + 0.85 * masked:.1%}")
