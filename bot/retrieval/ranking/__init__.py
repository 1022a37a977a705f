"""Finding the passage: the corpus, features, the fitted ranker and the hybrid retriever."""
