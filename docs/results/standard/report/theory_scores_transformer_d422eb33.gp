# logit gap at the source: transformer, d_model 64, trained to length 17 (cell d422eb33) — data in theory_scores_transformer_d422eb33.csv
set datafile separator ','
set title 'logit gap at the source: transformer, d_model 64, trained to length 17 (cell d422eb33)'
set xlabel 'copy distance L (tokens)'
set ylabel 'logit gap (nats)'
set key center right box opaque
set grid
set logscale x
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'theory_scores_transformer_d422eb33.png'
plot 'theory_scores_transformer_d422eb33.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with points lw 2 title 'layer 0: logit gap at the source (best head, mean)', \
     'theory_scores_transformer_d422eb33.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with lines lw 2 title 'layer 0: needed log(i(1-eps)/eps) (Thm 2)', \
     'theory_scores_transformer_d422eb33.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with points lw 2 title 'layer 1: logit gap at the source (best head, mean)', \
     'theory_scores_transformer_d422eb33.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with lines lw 2 title 'layer 1: needed log(i(1-eps)/eps) (Thm 2)'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'theory_scores_transformer_d422eb33.svg'
plot 'theory_scores_transformer_d422eb33.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with points lw 2 title 'layer 0: logit gap at the source (best head, mean)', \
     'theory_scores_transformer_d422eb33.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with lines lw 2 title 'layer 0: needed log(i(1-eps)/eps) (Thm 2)', \
     'theory_scores_transformer_d422eb33.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with points lw 2 title 'layer 1: logit gap at the source (best head, mean)', \
     'theory_scores_transformer_d422eb33.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with lines lw 2 title 'layer 1: needed log(i(1-eps)/eps) (Thm 2)'
unset output
