# Attention logit scale needed for error <= 1.0e-03 — data in theory_copy_logit_scale.csv
set datafile separator ','
set title 'Attention logit scale needed for error <= 1.0e-03'
set xlabel 'sequence length N (tokens)'
set ylabel 'logit scale beta'
set key top left box opaque
set grid
set logscale x
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'theory_copy_logit_scale.png'
plot 'theory_copy_logit_scale.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with points lw 2 title 'needed beta (bisection on the layer)', \
     'theory_copy_logit_scale.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with lines lw 2 title 'log((N-1)(1-eps)/eps) (Thm 2)'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'theory_copy_logit_scale.svg'
plot 'theory_copy_logit_scale.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with points lw 2 title 'needed beta (bisection on the layer)', \
     'theory_copy_logit_scale.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with lines lw 2 title 'log((N-1)(1-eps)/eps) (Thm 2)'
unset output
