# Theorem 1 measured: longest copy distance vs score bound (S = 4, decay <= 0.5) — data in theory_copy_score_frontier.csv
set datafile separator ','
set title 'Theorem 1 measured: longest copy distance vs score bound (S = 4, decay <= 0.5)'
set xlabel 'score bound B = max |c.b|'
set ylabel 'longest distance L copied within eps'
set key top left box opaque
set grid
set logscale x
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'theory_copy_score_frontier.png'
plot 'theory_copy_score_frontier.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'erase-on-write ring construction', \
     'theory_copy_score_frontier.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with lines lw 2 title '1 + log(B/(1-eps))/log(1/a) (Thm 1 with a = decay cap)', \
     'theory_copy_score_frontier.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with lines lw 2 title 'state S (rank limit)', \
     'theory_copy_score_frontier.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with points lw 2 title 'gradient descent (best of 3 restarts)'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'theory_copy_score_frontier.svg'
plot 'theory_copy_score_frontier.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'erase-on-write ring construction', \
     'theory_copy_score_frontier.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with lines lw 2 title '1 + log(B/(1-eps))/log(1/a) (Thm 1 with a = decay cap)', \
     'theory_copy_score_frontier.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with lines lw 2 title 'state S (rank limit)', \
     'theory_copy_score_frontier.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with points lw 2 title 'gradient descent (best of 3 restarts)'
unset output
