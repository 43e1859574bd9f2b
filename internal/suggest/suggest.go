// Package suggest finds the name a user probably meant, for "did you mean"
// hints on mistyped commands, flags and configuration keys.
package suggest

// Closest returns the candidate nearest to word, or "" when none is close
// enough to be a plausible typo: within a third of the word's length in
// edits (at least one, at most three), or a candidate that word is a
// prefix of.
func Closest(word string, candidates []string) string {
	best, bestDist := "", 0
	limit := min(max(len([]rune(word))/3, 1), 3)
	for _, c := range candidates {
		if c == word {
			continue
		}
		d := distance(word, c)
		if len(word) > 1 && len(c) > len(word) && c[:len(word)] == word {
			d = min(d, limit)
		}
		if d <= limit && (best == "" || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best
}

// distance is the Damerau–Levenshtein distance (with adjacent
// transpositions) between a and b, in runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
