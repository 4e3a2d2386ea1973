"""Quality assurance: the library of transcripts, reviewers' judgements, agreement, reports and exports."""
