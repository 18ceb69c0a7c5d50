"""Engagements: likes and retweets (one per user and tweet), the lists they make, and what a viewer has
done to the tweets a page shows. Counts are kept by the counter function, from the edges' stream."""
